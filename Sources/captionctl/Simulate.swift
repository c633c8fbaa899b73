import ArgumentParser
import CaptionCore
import Capture
import Features
import Foundation
import IPC
import Streaming
import Vision

/// `captionctl simulate AUDIO [--video VIDEO]`: the daemon's live path (LiveCaptioner with Whisper
/// and, with a video, the camera's face speaker under `--gate`) over files, as fast as it computes.
/// Deterministic: times come from the files (audio from 0, frames at their rate); with `--paced`
/// decodes take their measured compute on a virtual clock (`PacedModel`), as live.
struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run the live captioner over an audio file, with a video file as the camera, as fast as it computes.",
        discussion: """
        Prints each final caption with its speaker label ([#ID] a face on camera, [off camera]); \
        --json prints the caption events as the daemon publishes them. With --video the frames are \
        the camera (Y4M, or anything ffmpeg decodes; --loop-video repeats a short one, e.g. a still \
        picture), analysed as the daemon does (video.gate, video.analysis_fps). A summary line on \
        standard error gives the camera analysis' CPU time per frame.
        """)

    @Argument(help: "Audio file (WAV, FLAC, or anything ffmpeg decodes).")
    var audio: String

    @Option(name: .long, help: "Video file standing in for the camera.")
    var video: String?

    @Flag(name: .long, help: "Repeat the video while the audio lasts.")
    var loopVideo = false

    @Option(name: .long, help: "video.gate: tag, strict or off.")
    var gate: String = "tag"

    @Option(name: .long, help: "video.analysis_fps: most frames per second the face analysis processes.")
    var analysisFps = 12.0

    @Option(name: .long, help: "Model name (in --models) or path.")
    var model = "tiny.en"

    @Option(name: .long, help: "Models directory (default: $CAPTIOND_MODELS or the fetch-models location).")
    var models: String?

    @Option(name: .long, help: "model.language: the captions' language (en, zh, …; auto detects it per window).")
    var language = "en"

    @Option(name: .long, help: "model.script: Chinese captions in simplified, traditional or as-is (Whisper's own mix).")
    var script = "simplified"

    @Flag(name: .long, help: "Print every caption event as a protocol JSON line.")
    var json = false

    @Option(name: .long, help: "[streaming] keys as in captiond.toml, separated by ';' (e.g. \"endpoint_settled_ms = 300; trailing_step_ms = 250\").")
    var streaming: String?

    @Option(name: .long, help: "Write every caption event to FILE as 'AUDIO_SECONDS<TAB>JSON line': the audio time (from the file's start) the captioner had reached when it emitted the event (audio fed in 20-ms chunks).")
    var timeline: String?

    @Flag(name: .long, help: "Pace the captioner as live: the audio arrives in real time on a virtual clock, each decode moves the clock on by its measured compute, and the decode schedule adapts as in the daemon; --timeline then gives each event's virtual time (no real-time wait; latencies of an idle machine).")
    var paced = false

    @Option(name: .long, help: "With --paced: each decode takes its measured compute times this factor (a slower machine, an AddressSanitizer build (about 3–5), a competing process (about 2)).")
    var slowdown: Double = 1

    func run() throws {
        do { try simulate() } catch let e as FacesFailure {
            throw CaptionctlError("simulate: \(e.message)")
        } catch let e as CaptionctlError { throw e } catch {
            throw CaptionctlError("simulate: \(error)")
        }
    }

    private func simulate() throws {
        guard let gate = VideoGate(rawValue: gate) else { throw FacesFailure("--gate \(self.gate): expected tag, strict or off") }
        guard analysisFps >= 1 && analysisFps <= 60 else { throw FacesFailure("--analysis-fps \(analysisFps): expected 1–60") }
        guard slowdown.isFinite && slowdown >= 1 && slowdown <= 20 else { throw FacesFailure("--slowdown \(slowdown): expected a factor from 1 to 20") }
        guard paced || slowdown == 1 else { throw FacesFailure("--slowdown goes with --paced") }
        let dir = models ?? Faces.defaultModels()
        var settings = ModelSettings()
        settings.dir = dir
        settings.name = model
        settings.language = language
        guard let script = ModelSettings.Script(rawValue: script), script != .pinyin else {
            throw FacesFailure("--script \(self.script): expected simplified, traditional or as-is")
        }
        settings.script = script
        var config = StreamingConfiguration()
        if let streaming { try Self.apply(streaming, to: &config) }
        config.video.enabled = video != nil
        config.video.gate = gate
        config.video.analysisFps = analysisFps
        let speaker = config.video.active
            ? try FaceSpeakerActivity(modelsDirectory: (dir as NSString).appendingPathComponent("faces"), settings: config.video) : nil
        let origin = 100.0
        let whisper = try WhisperStreamingModel(settings: settings, passContext: config.passAudioContext)
        let pacer = paced ? PacedModel(whisper, startingAt: origin, slowdown: slowdown) : nil
        let captioner = try LiveCaptioner(model: pacer ?? whisper, configuration: config, speaker: speaker,
                                          clock: pacer.map { p in { p.now } })
        let samples = try AudioDecoder.load(audio)

        var temp: String?
        defer { if let temp { try? FileManager.default.removeItem(atPath: temp) } }
        var frames: VideoFrames?
        if let video {
            guard FileManager.default.fileExists(atPath: video) else { throw FacesFailure("\(video): no such file") }
            var y4m = video
            if try !Faces.isY4M(video) {
                y4m = NSTemporaryDirectory() + "captionctl-simulate-\(getpid()).y4m"
                temp = y4m
                try Faces.ffmpegToY4M(video, y4m)
            }
            frames = try VideoFrames(path: y4m, loop: loopVideo)
        }

        let chunk = timeline == nil || paced ? 1_600 : 320
        var events: [CaptionEvent] = []
        var videoSeconds = 0.0, frameCount = 0, wordsShown = 0
        var timed = Data()
        var reached = 0.0   // audio seconds fed so far
        func emit(_ new: [CaptionEvent]) throws {
            for e in new {
                if json { FileHandle.standardOutput.write(try WireCodec.encode(e)) }
                if timeline != nil { timed += Data(String(format: "%.3f\t", reached).utf8) + (try WireCodec.encode(e)) }
                if case .final(let f) = e {
                    wordsShown += CaptionText.words(f.text).count
                    if !json, !f.text.isEmpty { print((f.speaker.map { "[\($0.label)] " } ?? "") + f.text) }
                }
            }
            events += new
        }
        var start = 0
        while start < samples.count {
            // Paced: the pipeline takes what has arrived by now in 20-ms periods, at most `chunk`
            // samples (the daemon's ring read), waiting for the next period when nothing has.
            var count = min(chunk, samples.count - start)
            if let pacer {
                pacer.wait(until: origin + Double(min(samples.count, start + 320)) / Double(AudioRate.model))
                let arrived = Int((pacer.now - origin) * Double(AudioRate.model)) / 320 * 320
                count = max(min(320, samples.count - start), min(count, arrived - start))
            }
            defer { start += count }
            let t = origin + Double(start) / Double(AudioRate.model)
            let end = origin + Double(start + count) / Double(AudioRate.model)
            while let f = frames, let next = try f.next(until: end - origin) {
                let t0 = ThreadCPUTime.now()
                captioner.accept(video: VideoFrame(width: next.width, height: next.height, luma: next.luma,
                                                   timestamp: origin + next.time, sequence: UInt64(frameCount)))
                videoSeconds += ThreadCPUTime.now() - t0
                frameCount += 1
            }
            reached = end - origin
            let new = try captioner.accept(audio: AudioChunk(samples: Array(samples[start..<(start + count)]),
                                                             startTime: t, sampleRate: AudioRate.model))
            if let pacer { reached = pacer.now - origin }
            try emit(new)
        }
        let last = try captioner.finishUtterance()
        if let pacer { reached = pacer.now - origin }
        try emit(last)
        if let timeline {
            guard FileManager.default.createFile(atPath: timeline, contents: timed) else { throw FacesFailure("\(timeline): cannot write") }
        }
        var summary = String(format: "simulate: %.1f s of audio, %d finals, %d words, gate %@", Double(samples.count) / Double(AudioRate.model),
                             events.filter { if case .final = $0 { return true }; return false }.count, wordsShown, gate.rawValue)
        if frameCount > 0 {
            let fps = frames?.framesPerSecond ?? 0
            let ms = videoSeconds * 1000 / Double(frameCount)
            summary += String(format: "; camera %d frames at %.1f frames/s, analysed up to %.1f/s: %.2f ms CPU per camera frame = %.1f%% of one core",
                              frameCount, fps, analysisFps, ms, ms * fps / 10)
            if let s = captioner.videoStatus { summary += ", \(s.facesInView) face(s) in view at the end" }
        }
        fflush(stdout)
        FileHandle.standardError.write(Data((summary + "\n").utf8))
    }
}

extension Simulate {
    /// Sets `[streaming]` keys from "name = value; name = value" (values as in captiond.toml:
    /// numbers, integers, true/false), checked against the keys' table and ranges.
    static func apply(_ text: String, to config: inout StreamingConfiguration) throws {
        for item in text.split(separator: ";") {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let key = StreamingConfiguration.keys.first(where: { $0.name == parts[0] }) else {
                throw FacesFailure("--streaming: '\(item)': expected 'key = value' with a [streaming] key")
            }
            switch key.kind {
            case let .int(_, path):
                guard let v = Int(parts[1]) else { throw FacesFailure("--streaming \(key.name): expected an integer, got \(parts[1])") }
                config[keyPath: path] = v
            case let .number(_, scale, path):
                guard let v = Double(parts[1]) else { throw FacesFailure("--streaming \(key.name): expected a number, got \(parts[1])") }
                config[keyPath: path] = v * scale
            case let .bool(path):
                guard let v = Bool(parts[1]) else { throw FacesFailure("--streaming \(key.name): expected true or false, got \(parts[1])") }
                config[keyPath: path] = v
            }
            if let problem = key.problem(in: config) { throw FacesFailure("--streaming \(key.name) = \(parts[1]): \(problem)") }
        }
    }
}

/// Frames of a Y4M file on a timeline from 0 (its own rate), optionally repeated.
final class VideoFrames {
    let path: String
    let loop: Bool
    private var reader: Y4MReader
    private var index = 0
    private var pending: (luma: [UInt8], time: Double)?

    init(path: String, loop: Bool) throws {
        self.path = path; self.loop = loop
        reader = try Y4MReader(stream: try ByteStream(path: path))
    }

    var framesPerSecond: Double { reader.framesPerSecond }

    /// The next frame if its time is at most `limit` seconds.
    func next(until limit: Double) throws -> (width: Int, height: Int, luma: [UInt8], time: Double)? {
        if pending == nil {
            var luma = try reader.nextLuma()
            if luma == nil, loop, index > 0 {
                reader = try Y4MReader(stream: try ByteStream(path: path))
                luma = try reader.nextLuma()
            }
            guard let luma else { return nil }
            pending = (luma, Double(index) / reader.framesPerSecond)
            index += 1
        }
        guard let p = pending, p.time <= limit else { return nil }
        pending = nil
        return (reader.width, reader.height, p.luma, p.time)
    }
}
