import CaptionCore
import Features
import Foundation
import Models

/// A `StreamingModel` that also reads the camera: `LiveCaptioner` hands it every video frame.
public protocol VideoStreamingModel: StreamingModel {
    func accept(frame: VideoFrame)
    /// Frames it could not use (no face, malformed), counted as dropped video.
    var skippedFrames: Int { get }
}

/// The audio-visual model in the live path (`model.name = "av"`): incremental (`AVIncrementalDecoder`
/// encodes each 40-ms frame once, as its audio and mouth crop arrive), so a window decode only
/// consumes the audio after what it has seen and returns the text of the window's frames; the
/// "final pass" is the utterance's frames read once more (no recomputation).
///
/// A window starting after the audio already seen (a new utterance after silence) restarts the
/// causal state at the window's start, as a clip starts in training; video is used from then on
/// when the camera delivered a frame within the last second.
public final class AVStreamingModel: VideoStreamingModel {
    public let sampleRate = AudioRate.model
    /// "en", or "zh" for a checkpoint with the pinyin vocabulary (tone-numbered pinyin, written as `pinyinScript` says).
    public var language: String { recognizer.outputVocabulary.language }
    public let incremental = true
    public let hasFinalPass = true
    public let recognizer: AVRecognizer
    public let checkpoint: String
    private let cropper: MouthCropping
    private var decoder: AVIncrementalDecoder?
    private var decoderWindowStart = 0.0   // the window start the decoder was made for
    private var recentCrops: [(time: Double, crop: [UInt8])] = []   // the last ~2 s, for a restart
    private var lastFrameAt = -Double.infinity
    public private(set) var skippedFrames = 0
    /// Why the last unusable frame was skipped (logged once by the caller if it wants).
    public private(set) var lastVideoProblem: String?
    /// Video off: the audio branch alone (the model's modality gate sees zeros for video).
    public let audioOnly: Bool

    /// The text search over each window's CTC steps (nil: the best path); `AVDecoding`.
    public let search: CTCPrefixBeamSearch?

    /// A pinyin checkpoint's text in the configured script (hanzi unless `model.script = "pinyin"`);
    /// nil for an English checkpoint.
    public let pinyinScript: PinyinCaptionScript?

    public init(checkpoint: String, cropper: MouthCropping, audioOnly: Bool = false, decoding: AVDecoding = AVDecoding(),
                script: ModelSettings.Script = .simplified) throws {
        do { recognizer = try AVRecognizer(path: checkpoint) } catch {
            throw StreamingError.modelUnusable(model: checkpoint, reason: "\(error)")
        }
        search = try decoding.search(checkpoint: checkpoint, recognizer: recognizer)
        pinyinScript = try PinyinCaptionScript.forVocabulary(recognizer.outputVocabulary, script: script)
        self.checkpoint = checkpoint
        self.cropper = cropper
        self.audioOnly = audioOnly
    }

    /// Loads the checkpoint `settings` name (`AVCheckpoint.resolve`); full frames are cropped with
    /// the face models in `<settings.dir>/faces`.
    public convenience init(settings: ModelSettings) throws {
        let path = try AVCheckpoint.resolve(settings.name, directory: settings.dir)
        try self.init(checkpoint: path, cropper: TrackedMouthCropper(facesDirectory: (settings.dir as NSString).appendingPathComponent("faces")),
                      decoding: settings.avDecoding, script: settings.script)
        let spoken = recognizer.outputVocabulary.language
        guard settings.language == spoken || settings.language == "auto" else {
            let what = spoken == "zh" ? "Mandarin (tone-numbered pinyin)" : "English (GRID-style corpus)"
            throw StreamingError.modelUnusable(model: settings.name, reason: "this audio-visual checkpoint is \(what); set model.language = \"\(spoken)\"")
        }
    }

    public func accept(frame: VideoFrame) {
        lastFrameAt = frame.timestamp
        do {
            guard let crop = try cropper.crop(frame) else { skippedFrames += 1; lastVideoProblem = "no face in frame \(frame.sequence)"; return }
            decoder?.addCrop(crop, time: frame.timestamp)
            recentCrops.append((frame.timestamp, crop))
            if recentCrops.count > 60 { recentCrops.removeFirst(recentCrops.count - 60) }
        } catch {
            skippedFrames += 1
            lastVideoProblem = "\(error)"
        }
    }

    /// Model frames run since the last restart.
    public var framesDone: Int { decoder?.framesDone ?? 0 }

    /// Mean compute per model frame so far (ms).
    public var millisecondsPerFrame: Double { decoder?.millisecondsPerFrame ?? 0 }

    public func decodeWindow(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis {
        advance(samples, startTime: startTime)
        guard var h = decoder?.hypothesis(from: startTime, to: startTime + Double(samples.count) / Double(sampleRate), language: language) else {
            return Hypothesis(words: [], avgLogProb: 0, noSpeechProb: 0, compressionRatio: 1)
        }
        if let pinyinScript { h.words = pinyinScript.convert(words: h.words) }
        return h
    }

    public func decodeUtterance(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis {
        try decodeWindow(samples, startTime: startTime, prompt: prompt)
    }

    /// Feeds the part of `samples` after the audio already seen; restarts at a later window. A
    /// restart puts the model's frame grid on the camera's: the first frame at or after the
    /// window's start begins model frame 0 (≤ one frame of the window's start, preroll, is skipped),
    /// so model frame k shows the camera frame k as in training.
    private func advance(_ samples: ArraySlice<Float>, startTime: Double) {
        let end = startTime + Double(samples.count) / Double(sampleRate)
        let restart = decoder.map { startTime > $0.audioEnd + 0.01 || startTime < decoderWindowStart - 0.01 } ?? true
        if restart {
            decoderWindowStart = startTime
            let video = !audioOnly && startTime - lastFrameAt < 1.0
            var origin = startTime
            if video, let first = recentCrops.first(where: { $0.time >= startTime - 1e-4 }), first.time - startTime < AVIncrementalDecoder.frameSeconds {
                origin = first.time
            }
            origin = Self.speechStart(samples, startTime: startTime, origin: origin)
            let d = AVIncrementalDecoder(recognizer: recognizer, origin: origin, useVideo: video, search: search)
            for c in recentCrops where c.time >= origin - 1e-4 { d.addCrop(c.crop, time: c.time) }
            decoder = d
        }
        guard let d = decoder, end > d.audioEnd else { return }
        let skip = max(0, Int(((d.audioEnd - startTime) * Double(sampleRate)).rounded()))
        guard skip < samples.count else { return }
        d.feed(samples[(samples.startIndex + skip)...])
    }
}

extension AVStreamingModel {
    /// The first frame on the grid from `origin` whose 40 ms of audio is not digital silence
    /// (`VoiceActivityDetector.digitalSilenceDb`); `origin` when there is none. Corpus clips begin
    /// at the speech: a model started on zeros (a muted or zero-padded input before the onset, in
    /// the preroll) emits spurious characters there and misreads the first word.
    static func speechStart(_ samples: ArraySlice<Float>, startTime: Double, origin: Double) -> Double {
        let n = AVIncrementalDecoder.samplesPerFrame
        var k = 0
        while true {
            let lo = samples.startIndex + max(0, Int(((origin - startTime) * Double(AudioRate.model)).rounded())) + k * n
            guard lo + n <= samples.endIndex else { return origin }
            if VoiceActivityDetector.levelDb(samples[lo..<(lo + n)]) > VoiceActivityDetector.digitalSilenceDb {
                return origin + Double(k) * AVIncrementalDecoder.frameSeconds
            }
            k += 1
        }
    }
}

/// Where an audio-visual checkpoint is: a `.safetensors` file path as is; a name ("av", "av-grid")
/// as `<dir>/NAME.safetensors` or `<dir>/NAME/model.safetensors`.
public enum AVCheckpoint {
    /// True when `name` selects the audio-visual model rather than a Whisper directory.
    public static func isAudioVisual(_ name: String) -> Bool {
        name == "av" || name.hasPrefix("av-") || name.hasSuffix(".safetensors")
    }

    public static func resolve(_ name: String, directory: String) throws -> String {
        var candidates: [String] = []
        if name.hasSuffix(".safetensors") {
            candidates = [name.hasPrefix("/") ? name : FileManager.default.currentDirectoryPath + "/" + name]
        } else {
            candidates = [(directory as NSString).appendingPathComponent(name + ".safetensors"),
                          (directory as NSString).appendingPathComponent(name + "/model.safetensors")]
        }
        var isDir: ObjCBool = false
        for c in candidates where FileManager.default.fileExists(atPath: c, isDirectory: &isDir) && !isDir.boolValue {
            return c
        }
        throw StreamingError.modelUnusable(model: name, reason: "no audio-visual checkpoint at \(candidates.joined(separator: " or ")); train one with `captionctl train` (make train-av) and copy it there, or name the .safetensors file")
    }
}
