import Foundation
import XCTest
import Features
import Models
import Tensor
import TestSupport

/// What one live step recomputes for a sliding window (issue 11 item 2), printed only (never
/// asserted): log-mel of the window, the encoder (bidirectional: every position attends to every
/// other, so a window that gained audio is re-encoded whole), the cross-attention K/V, the prompt
/// prefill and greedy tokens. One engine thread, times in CPU milliseconds of this process (a
/// shared machine inflates wall time, not CPU time much).
/// Opt-in: CAPTIOND_BENCH=1 swift test -c release --filter WindowRecomputeBenchmark
/// (CAPTIOND_BENCH_MODEL=base for base).
final class WindowRecomputeBenchmarkTests: XCTestCase {
    private func cpuMilliseconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000
    }

    private func timed<T>(_ runs: Int, _ body: () throws -> T) rethrows -> (T, Double) {
        var result = try body()
        let t0 = cpuMilliseconds()
        for _ in 0..<runs { result = try body() }
        return (result, (cpuMilliseconds() - t0) / Double(runs))
    }

    func testWhatALiveStepRecomputes() throws {
        guard ProcessInfo.processInfo.environment["CAPTIOND_BENCH"] == "1" else {
            throw XCTSkip("benchmark: set CAPTIOND_BENCH=1 and build in release")
        }
        let name = ProcessInfo.processInfo.environment["CAPTIOND_BENCH_MODEL"] ?? "tiny.en"
        guard let dir = TestPaths.model(name) else { throw RequiredFixtures.missing("Whisper model '\(name)' is not installed") }
        guard let shared = TestPaths.sharedFixtures else { throw RequiredFixtures.missing("shared speech fixtures are absent") }
        let saved = BLASThreads.count
        BLASThreads.set(1)
        defer { BLASThreads.set(saved) }
        let model = try WhisperModel.load(directory: dir)
        let tokenizer = try WhisperTokenizer(directory: dir)
        var samples = try AudioDecoder.load(shared.appendingPathComponent("whisper_cpp/jfk.wav").path)
        samples += samples                                                 // 22 s of speech
        let logMel = LogMelSpectrogram(melBins: model.dims.nMels)
        let prompt = try tokenizer.encode(" And so my fellow Americans, ask not what your country can do for you")
        let start = tokenizer.special.startOfTranscript
        for seconds in [5, 10, 15, 20] {
            let window = Array(samples.prefix(seconds * 16_000))
            let (mel, melMs) = timed(3) { logMel(window, padding: 160) }
            let frames = min(3000, (mel.frames - 1) / 2 * 2)
            let features = Array(mel.data.prefix(mel.bins * mel.frames))
            var trimmed = [Float](repeating: 0, count: mel.bins * frames)
            for b in 0..<mel.bins { for f in 0..<frames { trimmed[b * frames + f] = features[b * mel.frames + f] } }
            let (audio, encodeMs) = try timed(2) { try model.encode(mel: trimmed, frames: frames) }
            let (memory, crossMs) = try timed(2) { try model.crossAttentionMemory(audio) }
            let full = [tokenizer.special.startOfPrevious] + prompt + [start]
            let (_, prefillMs) = try timed(2) { () throws -> [Float] in
                var s = model.makeSession(memory: memory)
                return try s.step(full)
            }
            var session = model.makeSession(memory: memory)
            var logits = try session.step(full)
            let steps = 20
            let t0 = cpuMilliseconds()
            for _ in 0..<steps {
                var best = 0
                for i in 1..<logits.count where logits[i] > logits[best] { best = i }
                logits = try session.step([best])
            }
            let tokenMs = (cpuMilliseconds() - t0) / Double(steps)
            print("[window \(name)] \(seconds) s window (\(frames / 2) encoder positions), 1 thread, CPU ms: log-mel "
                  + "\(String(format: "%.1f", melMs)), encoder \(String(format: "%.0f", encodeMs)), cross K/V "
                  + "\(String(format: "%.1f", crossMs)), prompt prefill \(full.count) tokens "
                  + "\(String(format: "%.1f", prefillMs)), per generated token \(String(format: "%.2f", tokenMs))")
        }
    }
}
