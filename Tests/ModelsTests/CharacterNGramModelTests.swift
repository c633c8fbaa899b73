import XCTest
import Foundation
@testable import Models

/// CharacterNGramModel: a normalised distribution, equal to Witten-Bell interpolation computed
/// naively from the counts, an ARPA round trip, and precise errors for broken ARPA text.
final class CharacterNGramModelTests: XCTestCase {
    static let symbols: [Character] = [" ", "'"] + "abcdefghijklmnopqrstuvwxyz".map { $0 }
    static let text = [
        "bin blue at f two now", "place red by g nine soon", "lay green in c three again",
        "set white with d four please", "bin red at e five now", "place blue by a six soon",
        "lay white in b seven again", "set green with h eight please", "bin green by l zero soon",
        "place white at m one now", "lay blue with n two please", "set red in o three again",
        "bin white with p four again", "place green in r five please", "lay red at s six now",
        "set blue by t seven soon", "bin blue in u eight again", "place red with v nine please",
        "lay green by x zero now", "set white at y one soon",
    ]
    static let order = 4
    static func ids(_ s: String) -> [Int] { s.compactMap { c in symbols.firstIndex(of: c).map { $0 + 1 } } }
    static var sentences: [[Int]] { text.map(ids) }

    /// Histories: empty, seen, unseen, with symbols never seen in training ("'", "q", "j", "k"),
    /// longer than the order, and with an id out of range.
    static var histories: [[Int]] {
        ["", "b", "bin", "place red", "bin blue at f two now", "ace", "zzz", "q'j", "bin k", "xyz q",
         "place red by g nine soon again and again", "set white with"].map(ids) + [[99], ids("bi") + [99] + ids("n")]
    }

    func model() throws -> CharacterNGramModel {
        try CharacterNGramModel.estimate(sentences: Self.sentences, symbols: Self.symbols, order: Self.order)
    }

    /// p_WB straight from the definition, over plain arrays (-1 = <s>).
    struct NaiveWittenBell {
        var counts: [[Int]: Int] = [:]          // n-gram → count
        var context: [[Int]: (total: Int, types: Int)] = [:]
        let order: Int, outcomes: Int
        init(_ sentences: [[Int]], order: Int, outcomes: Int) {
            self.order = order; self.outcomes = outcomes
            for s in sentences {
                let seq = [-1] + s + [0]
                for i in 1..<seq.count {
                    for k in 0..<order where i - k >= 0 {
                        let g = Array(seq[(i - k)...i])
                        if counts[g] == nil { context[Array(g.dropLast()), default: (0, 0)].types += 1 }
                        counts[g, default: 0] += 1
                        context[Array(g.dropLast()), default: (0, 0)].total += 1
                    }
                }
            }
        }
        func p(_ w: Int, _ h: [Int]) -> Double {
            let lower = h.isEmpty ? 1 / Double(outcomes) : p(w, Array(h.dropFirst()))
            guard let c = context[h], c.total > 0 else { return lower }
            return (Double(counts[h + [w]] ?? 0) + Double(c.types) * lower) / Double(c.total + c.types)
        }
        func logP(_ w: Int, after history: [Int]) -> Double {
            let h = Array(([-1] + history).suffix(order - 1))
            return log(p(w, h))
        }
    }

    func testProbabilitiesSumToOne() throws {
        let m = try model()
        for h in Self.histories {
            let sum = (0...Self.symbols.count).reduce(0.0) { $0 + exp(Double(m.logProbability(of: $1, after: h[...]))) }
            XCTAssertEqual(sum, 1, accuracy: 1e-4, "history \(h)")
        }
    }

    func testBackoffFormEqualsWittenBellInterpolation() throws {
        let m = try model()
        let naive = NaiveWittenBell(Self.sentences, order: Self.order, outcomes: Self.symbols.count + 1)
        for h in Self.histories where h.allSatisfy({ (1...Self.symbols.count).contains($0) }) {
            for w in 0...Self.symbols.count {
                XCTAssertEqual(Double(m.logProbability(of: w, after: h[...])), naive.logP(w, after: h), accuracy: 1e-5, "p(\(w) | \(h))")
            }
        }
        // Every order, including 1 (unigrams only) and 9.
        for order in [1, 2, 3, 6, 9] {
            let mo = try CharacterNGramModel.estimate(sentences: Self.sentences, symbols: Self.symbols, order: order)
            let no = NaiveWittenBell(Self.sentences, order: order, outcomes: Self.symbols.count + 1)
            for h in [[], Self.ids("place red by"), Self.ids("zq")] {
                for w in 0...Self.symbols.count {
                    XCTAssertEqual(Double(mo.logProbability(of: w, after: h[...])), no.logP(w, after: h), accuracy: 1e-5, "order \(order) p(\(w) | \(h))")
                }
            }
        }
    }

    func testArpaRoundTrip() throws {
        let m = try model()
        let text = m.arpa()
        let back = try CharacterNGramModel(arpa: text, symbols: Self.symbols)
        XCTAssertEqual(back.order, Self.order)
        for h in Self.histories {
            for w in 0...Self.symbols.count {
                XCTAssertEqual(back.logProbability(of: w, after: h[...]), m.logProbability(of: w, after: h[...]), accuracy: 1e-4, "p(\(w) | \(h))")
            }
        }
        XCTAssertEqual(back.arpa(), text)
        XCTAssertEqual(try CharacterNGramModel.estimate(sentences: Self.sentences, symbols: Self.symbols, order: Self.order).arpa(), text, "deterministic")
        XCTAssertTrue(text.hasPrefix("\\data\\\nngram 1=30\n"), String(text.prefix(40)))
        XCTAssertTrue(text.contains("\t<s> p l"), "n-grams after <s> are listed")
        XCTAssertTrue(text.contains("-99.000000\t<s>\t"), "<s> as a unigram with -99 and a backoff")
        XCTAssertTrue(text.contains("\t<space>\t"), "the space is written <space>")
        XCTAssertTrue(text.hasSuffix("\n\\end\\\n"))
    }

    func testSeenTextIsMoreProbableThanScrambled() throws {
        let m = try model()
        func logP(_ s: String, end: Bool) -> Float {
            let ids = Self.ids(s)
            var total: Float = 0
            for i in ids.indices { total += m.logProbability(of: ids[i], after: ids[..<i]) }
            return end ? total + m.logProbability(of: 0, after: ids[...]) : total
        }
        XCTAssertGreaterThan(logP("place red by g nine soon", end: true), logP(String("place red by g nine soon".reversed()), end: true))
        XCTAssertGreaterThan(logP("place", end: false), logP("lapce", end: false))
        XCTAssertGreaterThan(logP("place", end: false), logP("ace", end: false) + 3)
        // An unseen symbol is unlikely but possible.
        let q = m.logProbability(of: Self.ids("q")[0], after: Self.ids("pla")[...])
        XCTAssertTrue(q.isFinite && q < -5, "\(q)")
    }

    // A valid hand-written model over " ", "a", "b" (no <space> unigram: it gets the floor).
    static let small: [Character] = [" ", "a", "b"]
    static let smallArpa = """
        \\data\\
        ngram 1=4
        ngram 2=2

        \\1-grams:
        -0.5\t</s>
        -99\t<s>\t-0.3
        -0.6\ta\t-0.2
        -0.7\tb

        \\2-grams:
        -0.1\t<s> a
        -0.2\ta </s>

        \\end\\
        """

    func testReadsAHandWrittenModel() throws {
        let m = try CharacterNGramModel(arpa: Self.smallArpa, symbols: Self.small)
        XCTAssertEqual(m.order, 2)
        let ln10 = Float(log(10.0))
        XCTAssertEqual(m.logProbability(of: 2, after: []), -0.1 * ln10, accuracy: 1e-6)           // <s> a
        XCTAssertEqual(m.logProbability(of: 3, after: []), (-0.3 - 0.7) * ln10, accuracy: 1e-6)  // bo(<s>) p(b)
        XCTAssertEqual(m.logProbability(of: 0, after: [2]), -0.2 * ln10, accuracy: 1e-6)         // a </s>
        XCTAssertEqual(m.logProbability(of: 3, after: [2]), (-0.2 - 0.7) * ln10, accuracy: 1e-6) // bo(a) p(b)
        XCTAssertEqual(m.logProbability(of: 3, after: [3]), -0.7 * ln10, accuracy: 1e-6)         // no bo(b)
        XCTAssertEqual(m.logProbability(of: 1, after: [2]), Float(log(1e-10)), accuracy: 1e-6)   // <space>: floor
        // <unk> n-grams are counted but ignored.
        let withUnk = Self.smallArpa.replacingOccurrences(of: "ngram 1=4", with: "ngram 1=5")
            .replacingOccurrences(of: "-0.7\tb\n", with: "-0.7\tb\n-1.5\t<unk>\n")
        XCTAssertEqual(try CharacterNGramModel(arpa: withUnk, symbols: Self.small).arpa(), m.arpa())
    }

    func reason(_ text: String, symbols: [Character] = small) -> String {
        do {
            _ = try CharacterNGramModel(arpa: text, symbols: symbols, path: "lm.arpa")
            XCTFail("expected an error for:\n\(text)")
        } catch let ModelsError.languageModel(path, reason) {
            XCTAssertEqual(path, "lm.arpa")
            return reason
        } catch {
            XCTFail("unexpected \(error)")
        }
        return ""
    }

    func testBrokenArpaTextNamesTheLine() {
        let unknown = reason(Self.smallArpa.replacingOccurrences(of: "-0.7\tb", with: "-0.7\tc"))
        XCTAssertTrue(unknown.hasPrefix("line 9: token 'c' is not in the vocabulary"), unknown)
        XCTAssertTrue(unknown.contains("<space> a b"), unknown)
        let count = reason(Self.smallArpa.replacingOccurrences(of: "ngram 2=2", with: "ngram 2=3"))
        XCTAssertTrue(count.hasPrefix("line 11: \\2-grams: lists 2 n-grams but \\data\\ declares ngram 2=3"), count)
        let number = reason(Self.smallArpa.replacingOccurrences(of: "-0.6\ta", with: "-0.6x\ta"))
        XCTAssertTrue(number.hasPrefix("line 8: malformed probability '-0.6x'"), number)
        let backoff = reason(Self.smallArpa.replacingOccurrences(of: "\t-0.2\n", with: "\tzero\n"))
        XCTAssertTrue(backoff.hasPrefix("line 8: malformed backoff 'zero'"), backoff)
        let end = reason(Self.smallArpa.replacingOccurrences(of: "\\end\\", with: ""))
        XCTAssertTrue(end.hasPrefix("line 13: missing \\end\\"), end)
        let header = reason("ngram 1=4\n")
        XCTAssertTrue(header.hasPrefix("line 1: expected the \\data\\ header"), header)
        let tooLong = reason("\\data\\\n" + (1...10).map { "ngram \($0)=0\n" }.joined())
        XCTAssertTrue(tooLong.hasPrefix("line 11: order 10 is above the maximum 9"), tooLong)
        let fields = reason(Self.smallArpa.replacingOccurrences(of: "-0.1\t<s> a", with: "-0.1\t<s>"))
        XCTAssertTrue(fields.hasPrefix("line 12: expected a log10 probability, 2 tokens"), fields)
    }

    func testBadInputsThrow() {
        XCTAssertThrowsError(try CharacterNGramModel.estimate(sentences: [[1, 2], [3, 29]], symbols: Self.symbols, order: 3)) { error in
            XCTAssertTrue("\(error)".contains("sentence 1, position 1: class id 29 is outside 1...28"), "\(error)")
        }
        XCTAssertThrowsError(try CharacterNGramModel.estimate(sentences: [[0]], symbols: Self.symbols, order: 3))
        XCTAssertThrowsError(try CharacterNGramModel.estimate(sentences: [], symbols: Self.symbols, order: 10))
        XCTAssertThrowsError(try CharacterNGramModel(contentsOf: "/nonexistent/lm.arpa", symbols: Self.symbols)) { error in
            guard case let ModelsError.languageModel(path, reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, "/nonexistent/lm.arpa")
            XCTAssertTrue(reason.contains("captionctl lm"), reason)
        }
        // No training text at all: the uniform distribution.
        XCTAssertEqual(try CharacterNGramModel.estimate(sentences: [], symbols: Self.symbols, order: 3).logProbability(of: 5, after: [1, 2]),
                       Float(-log(29.0)), accuracy: 1e-5)
    }
}
