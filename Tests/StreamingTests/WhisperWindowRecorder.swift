import XCTest
import Foundation
import Streaming
import TestSupport

/// Re-records JFKWindowRecording.swift from the Python reference (faster-whisper) when
/// CAPTIOND_RECORD_WHISPER=1 is set; skipped otherwise, so no test needs Python. Run it after a
/// policy change makes RealSpeechReplayTests report other windows than recorded:
///   CAPTIOND_RECORD_WHISPER=1 swift test --filter WhisperWindowRecorder
final class WhisperWindowRecorder: XCTestCase {
    static let server = """
# Window decoder server for recording real Whisper hypotheses (experiment; not used by tests).
import sys, json, numpy as np
from faster_whisper import WhisperModel
model = WhisperModel("/var/lib/captiond/models/tiny.en", device="cpu", compute_type="float32", cpu_threads=1)
for line in sys.stdin:
    req = json.loads(line)
    audio = np.fromfile(req["raw"], dtype=np.float32)
    segs, info = model.transcribe(audio, language="en", beam_size=1, temperature=0.0,
                                  initial_prompt=req["prompt"] or None, word_timestamps=True,
                                  condition_on_previous_text=False, vad_filter=False,
                                  no_speech_threshold=None, log_prob_threshold=None,
                                  compression_ratio_threshold=None)
    segs = list(segs)
    words = []
    for s in segs:
        for w in (s.words or []):
            words.append({"text": w.word.strip(), "start": round(req["start"] + w.start, 3),
                          "end": round(req["start"] + w.end, 3), "p": round(w.probability, 3)})
        if words: words[-1]["seg"] = True
    n = sum(len(s.tokens) for s in segs) or 1
    avg = sum(s.avg_logprob * len(s.tokens) for s in segs) / n if segs else -2.0
    out = {"words": words, "avg": round(avg, 4),
           "nsp": round(segs[0].no_speech_prob, 4) if segs else 1.0,
           "cr": round(max((s.compression_ratio for s in segs), default=1.0), 4)}
    sys.stdout.write(json.dumps(out) + "\\n"); sys.stdout.flush()
"""

    /// Sends each window to the Python server and keeps a Swift literal of its answer.
    final class PipeDecoder: WindowDecoder {
        struct Failure: Error, CustomStringConvertible { var description: String }
        let process = Process()
        let input = Pipe(), output = Pipe()
        let rawPath: String
        var literals: [String] = []

        init(script: String, rawPath: String) throws {
            self.rawPath = rawPath
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", script]
            process.standardInput = input
            process.standardOutput = output
            try process.run()
        }

        func readLine() -> Data {
            var data = Data()
            while true {
                let b = output.fileHandleForReading.readData(ofLength: 1)
                if b.isEmpty || b.first == 10 { return data }
                data.append(b)
            }
        }

        func decode(samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis {
            try Array(samples).withUnsafeBufferPointer { Data(buffer: $0) }.write(to: URL(fileURLWithPath: rawPath))
            let request = try JSONSerialization.data(withJSONObject: ["raw": rawPath, "prompt": prompt, "start": startTime])
            input.fileHandleForWriting.write(request + Data([10]))
            guard let reply = try JSONSerialization.jsonObject(with: readLine()) as? [String: Any],
                  let raw = reply["words"] as? [[String: Any]], let avg = reply["avg"] as? Double,
                  let nsp = reply["nsp"] as? Double, let cr = reply["cr"] as? Double else {
                throw Failure(description: "the Python server gave no valid reply for \(startTime)")
            }
            let words = raw.compactMap { w -> Word? in
                guard let text = w["text"] as? String, let s = w["start"] as? Double, let e = w["end"] as? Double else { return nil }
                return Word(text: text, start: s, end: e, endsSegment: (w["seg"] as? Bool) ?? false, probability: w["p"] as? Double)
            }
            let end = startTime + Double(samples.count) / 16_000
            func lit(_ s: String) -> String {
                "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
            }
            let ws = words.map { "W(\(lit($0.text)), \($0.start), \($0.end), \($0.probability ?? -1)\($0.endsSegment ? ", seg: true" : ""))" }
            literals.append("        R(start: \(String(format: "%.4f", startTime)), end: \(String(format: "%.4f", end)), prompt: \(lit(prompt)),\n"
                + "          words: [\(ws.joined(separator: ", "))],\n"
                + "          avgLogProb: \(avg), noSpeechProb: \(nsp), compressionRatio: \(cr)),")
            return Hypothesis(words: words, avgLogProb: avg, noSpeechProb: nsp, compressionRatio: cr, language: "en")
        }
    }

    func testRecordJFKWindows() throws {
        guard ProcessInfo.processInfo.environment["CAPTIOND_RECORD_WHISPER"] == "1" else {
            throw XCTSkip("recording only with CAPTIOND_RECORD_WHISPER=1 (needs Python and faster-whisper)")
        }
        guard let dir = TestPaths.sharedFixtures else { throw XCTSkip("shared fixtures not found") }
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("captiond-record-\(getpid())")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let script = tmp.appendingPathComponent("server.py")
        try Self.server.write(to: script, atomically: true, encoding: .utf8)
        let decoder = try PipeDecoder(script: script.path, rawPath: tmp.appendingPathComponent("window.raw").path)
        let samples = try WavFixture.read(dir.appendingPathComponent("whisper_cpp/jfk.wav"))
        let r = try StreamingRecognizer(decoder: decoder)
        var i = 0
        while i < samples.count {
            let j = min(samples.count, i + 1_600)
            _ = try r.accept(samples[i..<j], startTime: Double(i) / 16_000)
            i = j
        }
        _ = try r.finish()
        decoder.input.fileHandleForWriting.closeFile()
        decoder.process.waitUntilExit()
        // Keep the fixture's header, replace the table.
        let file = TestPaths.repoRoot.appendingPathComponent("Tests/StreamingTests/JFKWindowRecording.swift")
        let old = try String(contentsOf: file, encoding: .utf8)
        let marker = "    static let windows: [RecordedWindow] = [\n"
        guard let cut = old.range(of: marker) else { throw PipeDecoder.Failure(description: "no table marker in \(file.path)") }
        var literals = decoder.literals
        if let last = literals.popLast() { literals.append(String(last.dropLast())) }
        let text = old[..<cut.upperBound] + literals.joined(separator: "\n") + "\n    ]\n}\n"
        try text.write(to: file, atomically: true, encoding: .utf8)
    }
}
