import Foundation
import CaptionCore
import Features
import Models
import Streaming

/// The live `CaptionRecognizer`: Whisper (Models) behind the streaming policy (Streaming), with
/// mouth activity from video gating the voice-activity detector.
public final class WhisperCaptionRecognizer: CaptionRecognizer {
    public let model: DaemonConfig.Model
    public let streaming: DaemonConfig.Streaming
    /// Engine threads for the streaming path (1: a window decode is short and the capture and
    /// pipeline threads need the other core).
    public let threads: Int

    private var recognizer: StreamingRecognizer?
    private var language = "en"
    private var motion: FrameMotion?
    private var lastMotionAt = -Double.infinity
    private var lastFrameAt = -Double.infinity
    /// Mouth counts as active this long after the last frame with motion (syllable gaps).
    private let mouthHold = 0.5
    /// Without frames for this long, video says nothing about speech.
    private let videoStale = 1.0
    private var rtf = 0.0

    public init(model: DaemonConfig.Model, streaming: DaemonConfig.Streaming, threads: Int = 1) {
        self.model = model; self.streaming = streaming; self.threads = threads
    }

    /// The streaming policy's settings from the configuration's `streaming` section.
    public static func configuration(_ s: DaemonConfig.Streaming) throws -> StreamingConfiguration {
        var c = StreamingConfiguration()
        c.windowSeconds = s.windowS
        c.stepMilliseconds = s.stepMs
        c.endpointSilenceSeconds = Double(s.endpointSilenceMs) / 1000
        c.maxUtteranceSeconds = s.maxUtteranceS
        c.commitAfterSeconds = s.commitAfterS
        c.partialTentativeWords = s.partialTentativeWords
        c.finalPass = s.finalPass
        c.commitLogProb = s.commitLogprob
        c.tentativeMinProbability = s.tentativeMinProb
        c.commitMinProbability = s.commitMinProb
        // No reach-back over the previous utterance's audio: with a final pass its words carry
        // segment-spread times, and the window's first new words, falling inside them, were lost.
        // The previous finals still prompt the decoder.
        c.contextSeconds = 0
        // Trimming the window at a committed segment end lost short words across the cut ("woman,
        // he might" → "woman, might"); keep whole utterances of up to 10 s in the window.
        c.trimSeconds = min(10, c.windowSeconds - c.stepSeconds)
        do { try c.validate() } catch {
            throw DaemonError.stage(name: "recognizer (streaming)", reason: "\(error)")
        }
        return c
    }

    public func prepare() throws {
        let stage = "recognizer (model \(model.name))"
        let configuration = try Self.configuration(streaming)
        InferenceThreads.set(threads)
        let pipeline: WhisperPipeline
        do { pipeline = try WhisperPipeline(model: model.path) } catch {
            throw DaemonError.stage(name: stage, reason: "cannot load \(model.path): \(error)")
        }
        let code: String?
        do { code = try pipeline.decodingLanguage(model.language) } catch {
            throw DaemonError.stage(name: stage, reason: "model.language: \(error)")
        }
        var options = DecodingOptions.greedy(language: code)
        options.beamSize = max(1, model.beam)
        options.task = model.task == .translate ? .translate : .transcribe
        options.temperatures = [0.0]
        language = code ?? "auto"
        let decoder = TracedWindowDecoder(WhisperWindowDecoder(transcriber: pipeline.transcriber, options: options))
        // The final pass decodes as `captionctl transcribe` does: same beam, temperature fallback.
        var finalOptions = DecodingOptions.greedy(language: code)
        finalOptions.beamSize = max(1, model.beam)
        finalOptions.task = options.task
        let finalDecoder = TracedWindowDecoder(WhisperUtteranceDecoder(transcriber: pipeline.transcriber, options: finalOptions))
        do {
            recognizer = try StreamingRecognizer(decoder: decoder, finalDecoder: finalDecoder, configuration: configuration)
        } catch {
            throw DaemonError.stage(name: stage, reason: "\(error)")
        }
    }

    public func accept(audio: AudioChunk) throws -> [CaptionEvent] {
        guard let r = recognizer else { throw DaemonError.stage(name: "recognizer", reason: "accept(audio:) before prepare()") }
        guard audio.sampleRate == r.sampleRate else {
            throw DaemonError.stage(name: "recognizer", reason: "audio at \(audio.sampleRate) Hz; the capture adapters must deliver \(r.sampleRate) Hz")
        }
        updateMouthGate(now: audio.startTime)
        let began = MonotonicClock.now()
        let events = try r.accept(audio.samples[...], startTime: audio.startTime)
        account(compute: MonotonicClock.now() - began, audio: Double(audio.samples.count) / Double(r.sampleRate))
        return events.map(map)
    }

    public func accept(video: VideoFrame) {
        do {
            if motion?.width != video.width || motion?.height != video.height {
                motion = try FrameMotion(width: video.width, height: video.height)
            }
            lastFrameAt = video.timestamp
            if try motion?.mouthActive(luma: video.luma) == true { lastMotionAt = video.timestamp }
        } catch {
            motion = nil // a malformed frame: no gate from video until frames make sense again
        }
    }

    public func finishUtterance() throws -> [CaptionEvent] {
        guard let r = recognizer else { return [] }
        return try r.finish().map(map)
    }

    public var realTimeFactor: Double { rtf }

    /// Mouth activity for the audio at `now`: nil without recent video, else whether the mouth
    /// moved within the hold time.
    private func updateMouthGate(now: Double) {
        guard let r = recognizer else { return }
        if motion == nil || now - lastFrameAt > videoStale { r.setMouthActivity(nil); return }
        r.setMouthActivity(now - lastMotionAt <= mouthHold)
    }

    /// Real-time factor as an exponential average over roughly the last 10 s of audio.
    private func account(compute: Double, audio: Double) {
        guard audio > 0 else { return }
        let weight = min(1, audio / 10)
        rtf = rtf * (1 - weight) + (compute / audio) * weight
    }

    private func map(_ e: StreamingEvent) -> CaptionEvent {
        switch e.kind {
        case .partial:
            return .partial(CaptionPartial(utterance: e.utterance, text: e.text, stable: e.stable,
                                           start: e.start, end: e.end, lang: e.lang ?? language))
        case .final:
            return .final(CaptionFinal(utterance: e.utterance, text: e.text, start: e.start, end: e.end,
                                       lang: e.lang ?? language,
                                       words: e.words.map { CaptionWord(word: $0.text, start: $0.start, end: $0.end, probability: $0.probability) }))
        }
    }
}
