import Foundation
import CaptionCore
import Streaming

/// Wraps a `WindowDecoder` to time each decode; with `CAPTIOND_TRACE_DECODES=1` in the
/// environment it logs every window (span, compute time, text, guard figures) to standard error.
final class TracedWindowDecoder: WindowDecoder {
    private let inner: WindowDecoder
    private let trace: Bool
    private(set) var decodes = 0
    private(set) var computeSeconds = 0.0

    init(_ inner: WindowDecoder, trace: Bool = ProcessInfo.processInfo.environment["CAPTIOND_TRACE_DECODES"] == "1") {
        self.inner = inner; self.trace = trace
    }

    func decode(samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis {
        let began = MonotonicClock.now()
        let h = try inner.decode(samples: samples, startTime: startTime, prompt: prompt)
        let took = MonotonicClock.now() - began
        decodes += 1
        computeSeconds += took
        if trace {
            let span = Double(samples.count) / 16_000
            let line = String(format: "decode %d: %.2f s window at %.2f took %.3f s; lp %.2f nsp %.2f cr %.2f: ",
                              decodes, span, startTime, took, h.avgLogProb, h.noSpeechProb, h.compressionRatio) + Self.describe(h) + "\n"
            FileHandle.standardError.write(Data(line.utf8))
        }
        return h
    }

    /// The hypothesis's words, each with its probability when the decoder gave one ("ask(0.97)").
    static func describe(_ h: Hypothesis) -> String {
        h.words.map { w in w.probability.map { w.text + String(format: "(%.2f)", $0) } ?? w.text }.joined(separator: " ")
    }
}
