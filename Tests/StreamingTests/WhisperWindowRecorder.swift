import XCTest
import Foundation
import Streaming
import TestSupport

/// Re-records JFKWindowRecording.swift from the project's own window decoder
/// (`WhisperStreamingModel`, tiny.en) when CAPTIOND_RECORD_WINDOWS=1 is set; skipped otherwise.
/// Run it after a policy change makes RealSpeechReplayTests report other windows than recorded:
///   CAPTIOND_RECORD_WINDOWS=1 swift test -c release --filter WhisperWindowRecorder
final class WhisperWindowRecorder: XCTestCase {
    /// The real model, keeping a Swift literal of every window it decodes.
    final class RecordingModel: StreamingModel {
        let inner: WhisperStreamingModel
        var literals: [String] = []
        var sampleRate: Int { inner.sampleRate }
        var language: String { inner.language }
        let incremental = false
        let hasFinalPass = false

        init(_ inner: WhisperStreamingModel) { self.inner = inner }

        func decodeUtterance(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis {
            try inner.decodeUtterance(samples, startTime: startTime, prompt: prompt)
        }

        func decodeWindow(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis {
            let h = try inner.decodeWindow(samples, startTime: startTime, prompt: prompt)
            let end = startTime + Double(samples.count) / 16_000
            func lit(_ s: String) -> String {
                "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
            }
            func num(_ x: Double) -> String { String(format: "%.4f", x) }
            let ws = h.words.map { "W(\(lit($0.text)), \(num($0.start)), \(num($0.end)), \(num($0.probability ?? -1))\($0.endsSegment ? ", seg: true" : ""))" }
            literals.append("        R(start: \(num(startTime)), end: \(num(end)), prompt: \(lit(prompt)),\n"
                + "          words: [\(ws.joined(separator: ", "))],\n"
                + "          avgLogProb: \(num(h.avgLogProb)), noSpeechProb: \(num(h.noSpeechProb)), compressionRatio: \(num(h.compressionRatio))),")
            return h
        }
    }

    func testRecordJFKWindows() throws {
        guard ProcessInfo.processInfo.environment["CAPTIOND_RECORD_WINDOWS"] == "1" else {
            throw XCTSkip("recording only with CAPTIOND_RECORD_WINDOWS=1 (needs tiny.en; use -c release)")
        }
        let dir = try TestPaths.requireSharedFixtures()
        let modelDir = try TestPaths.requireModel("tiny.en")
        var settings = ModelSettings()
        settings.name = modelDir.path
        let model = RecordingModel(try WhisperStreamingModel(settings: settings))
        let samples = try WavFixture.read(dir.appendingPathComponent("whisper_cpp/jfk.wav"))
        let r = try LiveCaptioner(model: model, configuration: JFKWindowRecording.configuration)
        var i = 0
        while i < samples.count {
            let j = min(samples.count, i + 1_600)
            _ = try r.accept(samples[i..<j], startTime: Double(i) / 16_000)
            i = j
        }
        _ = try r.finish()
        // Keep the fixture's header, replace the table.
        let file = TestPaths.repoRoot.appendingPathComponent("Tests/StreamingTests/JFKWindowRecording.swift")
        let old = try String(contentsOf: file, encoding: .utf8)
        let marker = "    static let windows: [RecordedWindow] = [\n"
        guard let cut = old.range(of: marker) else { return XCTFail("no table marker in \(file.path)") }
        var literals = model.literals
        if let last = literals.popLast() { literals.append(String(last.dropLast())) }
        let text = old[..<cut.upperBound] + literals.joined(separator: "\n") + "\n    ]\n}\n"
        try text.write(to: file, atomically: true, encoding: .utf8)
    }
}
