import Foundation
import XCTest
import Models
import Tensor
import TestSupport

/// Timing and memory of the network, printed only (never asserted: the machine is shared).
/// Opt-in: CAPTIOND_BENCH=1 swift test -c release --filter WhisperNetworkBenchmark
/// Compare with `scripts/reference-network.py --bench` (CTranslate2 float32, 2 threads).
/// CAPTIOND_BENCH_STEPS sets the decoder steps (100); CAPTIOND_BENCH_PORTABLE=1 times the portable
/// Swift elementwise kernels instead of the AVX2 ones.
final class WhisperNetworkBenchmarkTests: XCTestCase {
    func testEncodeAndPerTokenDecodeTimes() throws {
        if ProcessInfo.processInfo.environment["CAPTIOND_BENCH_PORTABLE"] == "1" {
            try VectorExtensions.withPortableKernels { try measureNetwork() }
        } else {
            try measureNetwork()
        }
    }

    private func measureNetwork() throws {
        guard ProcessInfo.processInfo.environment["CAPTIOND_BENCH"] == "1" else {
            throw XCTSkip("benchmark: set CAPTIOND_BENCH=1 and build in release")
        }
        let name = ProcessInfo.processInfo.environment["CAPTIOND_BENCH_MODEL"] ?? "tiny.en"
        guard let dir = TestPaths.model(name) else { throw RequiredFixtures.missing("Whisper model '\(name)' is not installed") }
        BLASThreads.set(2)
        let model = try WhisperModel.load(directory: dir)
        let mel = try WhisperNetworkParityTests.referenceMel()
        _ = try model.encode(mel: mel, frames: 3000)                               // warm-up
        let runs = 3
        var t0 = DispatchTime.now().uptimeNanoseconds
        var audio = try model.encode(mel: mel, frames: 3000)
        for _ in 1..<runs { audio = try model.encode(mel: mel, frames: 3000) }
        let encodeMs = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 / Double(runs)

        let prompt = model.dims.isMultilingual ? [50258, 50259, 50359, 50363] : [50257, 50362]
        t0 = DispatchTime.now().uptimeNanoseconds
        var session = try model.makeSession(audio)
        let setupMs = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
        var logits = try session.step(prompt)
        let steps = Int(ProcessInfo.processInfo.environment["CAPTIOND_BENCH_STEPS"] ?? "") ?? 100
        t0 = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<steps {
            var best = 0
            for i in 1..<logits.count where logits[i] > logits[best] { best = i }
            if session.length >= model.dims.nTextCtx - 1 { session.truncate(to: prompt.count) }
            logits = try session.step([best])
        }
        let tokenMs = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 / Double(steps)
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print("[bench \(name)] 2 threads\(VectorExtensions.enabled ? ", AVX2" : ""): encode 30-s window \(String(format: "%.1f", encodeMs)) ms; cross K/V \(String(format: "%.1f", setupMs)) ms; decode \(String(format: "%.2f", tokenMs)) ms/token; peak RSS \(usage.ru_maxrss / 1024) MB")
    }
}
