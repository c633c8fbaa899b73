import XCTest
import CaptionCore
import Metrics

/// What a live caption stream must satisfy on every decode schedule (the live scheduler grows its
/// step, defers window decodes and shortens or skips final passes when compute is slow, as under
/// AddressSanitizer or on a loaded machine): the daemon tests state these instead of when, or how
/// often, something happens.
enum LiveCaptionChecks {
    /// Finals in utterance order, one per utterance, each with text and words and a time span.
    static func assertFinalsWellFormed(_ finals: [CaptionFinal], file: StaticString = #filePath, line: UInt = #line) {
        for (a, b) in zip(finals, finals.dropFirst()) {
            XCTAssertLessThan(a.utterance, b.utterance, "finals in utterance order, one each: \(finals.map { ($0.utterance, $0.text) })",
                              file: file, line: line)
        }
        for f in finals {
            XCTAssertFalse(f.text.trimmingCharacters(in: .whitespaces).isEmpty, "a final has text: \(f)", file: file, line: line)
            XCTAssertFalse(f.words.isEmpty, "a final has words: \(f)", file: file, line: line)
            XCTAssertLessThanOrEqual(f.start, f.end, "\(f)", file: file, line: line)
        }
    }

    /// Every utterance that showed words in a partial ends in a final (nothing shown is lost).
    static func assertShownUtterancesFinalled(_ events: [CaptionEvent], file: StaticString = #filePath, line: UInt = #line) {
        let shown = Set(events.compactMap { e -> Int? in if case .partial(let q) = e, !q.text.isEmpty { return q.utterance }; return nil })
        let finalled = Set(events.compactMap { e -> Int? in if case .final(let f) = e { return f.utterance }; return nil })
        XCTAssertTrue(shown.isSubset(of: finalled),
                      "utterances \(shown.subtracting(finalled).sorted()) showed words and got no final: \(events.filter { if case .status = $0 { return false }; return true })",
                      file: file, line: line)
    }

    /// The first phrase of at least `minimumWords` words said twice back to back in `text`
    /// (compared after `EnglishNormalizer`), or nil. A stream that repeats its committed text
    /// ("… when he's not busy sleeping. When he's not busy sleeping.") is broken on any schedule.
    static func repeatedPhrase(in text: String, minimumWords: Int = 3) -> String? {
        let words = EnglishNormalizer.normalize(text).split(separator: " ").map(String.init)
        guard words.count >= 2 * minimumWords else { return nil }
        for i in 0...(words.count - 2 * minimumWords) {
            var n = minimumWords
            while i + 2 * n <= words.count {
                if words[i..<(i + n)] == words[(i + n)..<(i + 2 * n)] { return words[i..<(i + n)].joined(separator: " ") }
                n += 1
            }
        }
        return nil
    }
}
