import Foundation

/// The output classes of the audio-visual model: index 0 is the CTC blank, index i ≥ 1 is
/// `symbols[i − 1]`. A checkpoint names its vocabulary in the configuration (`"vocabulary"`,
/// absent = English, as in every checkpoint made before Mandarin, e.g. the first committed checkpoint, Tests/Fixtures/av/av-grid-d64.safetensors)
/// and, when it is not English, also stores the symbols themselves in the safetensors metadata
/// (`"vocabulary"`), which loading checks against this table.
///
/// - `english`: space, apostrophe, a–z (29 classes with the blank; the GRID and open sets).
/// - `pinyin`: space, a–z, tone digits 1–5 (33 classes): Mandarin as tone-numbered pinyin, one
///   space-separated syllable per character (`lan2 ye4 chun1`, ü written `v` as pypinyin's TONE3
///   does, 5 the neutral tone). Letters + tone digits rather than one class per tonal syllable
///   (~1,300) or per character (thousands): a small model trained on a few hundred clips can learn 33
///   classes, and every syllable is spelled from them.
public struct AVVocabulary: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable, CaseIterable { case english, pinyin }

    public let kind: Kind
    public let symbols: [Character]
    public static let blank = 0

    public static let english = AVVocabulary(kind: .english, symbols: [" ", "'"] + "abcdefghijklmnopqrstuvwxyz".map { $0 })
    public static let pinyin = AVVocabulary(kind: .pinyin, symbols: [" "] + "abcdefghijklmnopqrstuvwxyz".map { $0 } + "12345".map { $0 })

    public init(_ kind: Kind) { self = kind == .english ? .english : .pinyin }
    private init(kind: Kind, symbols: [Character]) { self.kind = kind; self.symbols = symbols }

    /// The vocabulary of a configuration's `"vocabulary"` value (nil: English); nil for an unknown name.
    public static func named(_ name: String?) -> AVVocabulary? {
        guard let name else { return .english }
        return Kind(rawValue: name).map(AVVocabulary.init)
    }

    public static var knownNames: String { Kind.allCases.map(\.rawValue).joined(separator: ", ") }

    /// Classes of the CTC head and the decoder: the symbols and the blank.
    public var classes: Int { symbols.count + 1 }
    /// The language its text is in ("en" or "zh": pinyin is Mandarin).
    public var language: String { kind == .pinyin ? "zh" : "en" }
    /// The symbols as one string (what a checkpoint's metadata stores).
    public var symbolString: String { String(symbols) }
    public var description: String { "\(kind.rawValue) (\(classes) classes: blank + \"\(symbolString)\")" }

    /// Class ids of `text` (lowercased); `unknown` is the first character outside the vocabulary.
    public func ids(_ text: String) -> (ids: [Int], unknown: Character?) {
        var out: [Int] = []
        for ch in text.lowercased() {
            guard let i = symbols.firstIndex(of: ch) else { return (out, ch) }
            out.append(i + 1)
        }
        return (out, nil)
    }

    /// The text of class ids (the blank and out-of-range ids are skipped).
    public func text(_ ids: [Int]) -> String {
        String(ids.compactMap { $0 >= 1 && $0 <= symbols.count ? symbols[$0 - 1] : nil })
    }

    /// Best-path CTC decoding of logits (steps, classes): argmax per step, merge repeats, drop blanks.
    public func greedyCTC(logits: [Float], steps: Int) -> String {
        let v = classes
        var out: [Int] = [], previous = -1
        for f in 0..<min(steps, logits.count / v) {
            var best = 0
            for j in 1..<v where logits[f * v + j] > logits[f * v + best] { best = j }
            if best != previous && best != Self.blank { out.append(best) }
            previous = best
        }
        return text(out)
    }
}
