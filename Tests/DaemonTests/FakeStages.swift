import Foundation
import CaptionCore
import Streaming
@testable import Daemon

/// Audio that plays a script of 100-ms chunks: amplitude 0.5 for speech, 0 for silence. After the
/// script it plays the script again (`cycle`), repeats the last chunk kind forever (`loopLast`) or
/// reports the end.
final class ScriptedAudio: AudioInput {
    enum Kind { case speech, silence }
    private let lock = NSLock()
    private var script: [Kind]
    private var index = 0
    private var started = false
    private var captured = 0
    let loopLast: Bool
    let cycle: Bool
    let pace: Double
    private var time = 100.0

    init(_ script: [Kind], loopLast: Bool = true, cycle: Bool = false, pace: Double = 0.002) {
        self.script = script; self.loopLast = loopLast; self.cycle = cycle; self.pace = pace
    }

    func start() throws { lock.lock(); started = true; lock.unlock() }
    func stop() { lock.lock(); started = false; lock.unlock() }
    var counters: CaptureCounters { lock.lock(); defer { lock.unlock() }; return CaptureCounters(captured: captured, dropped: 0) }

    func read(timeout: Double) throws -> StageRead<AudioChunk> {
        if pace > 0 { usleep(useconds_t(pace * 1e6)) }
        lock.lock(); defer { lock.unlock() }
        guard started else { return .timeout }
        let kind: Kind
        if cycle, !script.isEmpty, index >= script.count { index = 0 }
        if index < script.count { kind = script[index]; index += 1 } else if loopLast, let last = script.last { kind = last } else { return .end }
        let chunk = AudioChunk(samples: [Float](repeating: kind == .speech ? 0.5 : 0, count: 1600), startTime: time, sampleRate: 16000)
        time += 0.1
        captured += 1600
        return .item(chunk)
    }
}

/// A toy recognizer with a real state machine: each speech chunk adds a word "wN" (partial);
/// two silent chunks after speech end the utterance (final). Loading (`load`) fails for the model
/// name "missing" and never returns for "hang" (as an open of a FIFO with no writer).
final class CountingRecognizer: CaptionRecognizer {
    let model: DaemonConfig.Model
    private var words: [String] = []
    private var utterance = 0
    private var silentRun = 0
    private var start = 0.0, end = 0.0

    init(model: DaemonConfig.Model) { self.model = model }

    static func load(_ model: DaemonConfig.Model) throws -> CountingRecognizer {
        if model.name == "missing" { throw DaemonError.stage(name: "recognizer (missing)", reason: "model directory /nowhere/missing does not exist") }
        if model.name == "hang" { DispatchSemaphore(value: 0).wait() }
        return CountingRecognizer(model: model)
    }

    func accept(audio: AudioChunk) throws -> [CaptionEvent] {
        let energy = audio.samples.reduce(0) { $0 + abs($1) } / Float(max(audio.samples.count, 1))
        if energy > 0.1 {
            if words.isEmpty { start = audio.startTime }
            silentRun = 0
            words.append("w\(words.count)")
            end = audio.startTime + 0.1
            let text = words.joined(separator: " ")
            let stable = words.dropLast().joined(separator: " ")
            return [.partial(CaptionPartial(utterance: utterance, text: text, stable: stable, start: start, end: end, lang: model.language))]
        }
        silentRun += 1
        return silentRun == 2 ? try finishUtterance() : []
    }

    func finishUtterance() throws -> [CaptionEvent] {
        guard !words.isEmpty else { return [] }
        let final = CaptionFinal(utterance: utterance, text: words.joined(separator: " "), start: start, end: end, lang: model.language)
        words.removeAll(); utterance += 1
        return [.final(final)]
    }

    var realTimeFactor: Double { 0.25 }
}

/// A camera that has captured one new frame whenever the pipeline takes frames (handed to the
/// routed sink too, as the capture thread of a real input would).
final class CountingVideo: VideoInput {
    private let lock = NSLock()
    private var frames = 0
    private var sink: VideoFrameSink?
    func start() throws {}
    func stop() {}
    func route(sink: VideoFrameSink?, keepFrames: Bool) { lock.lock(); self.sink = sink; lock.unlock() }
    func take() -> [VideoFrame] {
        lock.lock(); frames += 1; let sink = self.sink; lock.unlock()
        let frame = VideoFrame(width: 4, height: 2, luma: [UInt8](repeating: 128, count: 8), timestamp: MonotonicClock.now(), sequence: 0)
        sink?.submit(frame)
        return [frame]
    }
    var counters: CaptureCounters { lock.lock(); defer { lock.unlock() }; return CaptureCounters(captured: frames, dropped: 0) }
}

extension DaemonStages {
    static func fake(_ script: [ScriptedAudio.Kind], loopLast: Bool = true, cycle: Bool = false) -> DaemonStages {
        DaemonStages(audio: { _ in ScriptedAudio(script, loopLast: loopLast, cycle: cycle) },
                     video: { _ in CountingVideo() },
                     recognizer: { model, _ in try CountingRecognizer.load(model) })
    }
}

/// A temp directory with short socket paths and a config file pointing at them.
final class DaemonSandbox {
    let dir: String
    var captions: String { dir + "/c.sock" }
    var control: String { dir + "/ctl.sock" }
    var configPath: String { dir + "/captiond.toml" }

    init() throws {
        var template = Array("/tmp/cdmn-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw DaemonError.system(function: "mkdtemp", target: "/tmp", errno: errno) }
        dir = String(cString: p)
    }
    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func writeConfig(extra: String = "") throws -> DaemonConfig {
        let text = """
        [sockets]
        captions = "\(captions)"
        control = "\(control)"
        mode = "0600"
        group = ""
        \(extra)
        """
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
        return try ConfigLoader.load(path: configPath)
    }
}
