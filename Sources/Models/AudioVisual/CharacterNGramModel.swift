import Foundation

/// A character n-gram language model, for shallow fusion in the audio-visual recognizer's CTC
/// prefix beam search (`CTCPrefixBeamSearch`), kept in the standard ARPA text format so a model
/// made elsewhere (KenLM `lmplz`, SRILM `ngram-count` over space-separated characters) works too.
///
/// Tokens are the class ids of the vocabulary: id i in 1...symbols.count is `symbols[i − 1]`, id 0
/// is the end of sentence `</s>`. The sentence start `<s>` is implicit before the first character.
/// In the ARPA text each symbol is written as itself except the space, written `<space>`; `<s>`
/// and `</s>` are as usual, and `<unk>` (KenLM writes one) is accepted and ignored.
///
/// `estimate` makes an interpolated Witten-Bell model: with c(h, w) the count of w after the
/// context h, c(h) = Σ_w c(h, w), N1+(h•) the number of distinct w seen after h and h′ = h minus
/// its oldest token,
///
///     p_WB(w | h) = (c(h, w) + N1+(h•) · p_WB(w | h′)) / (c(h) + N1+(h•))     (p_WB(w | h′) for an unseen h)
///
/// down to the unigrams, interpolated with the uniform distribution over the symbols and `</s>`,
/// so no character is impossible. It is stored in ARPA's backoff form (every n-gram seen in
/// training, with its p_WB, and a backoff weight per context), which gives exactly p_WB back.
///
/// Probabilities are natural logarithms (the ARPA text holds log10). An id that is not among
/// the unigrams (a symbol a read ARPA file never mentions) gets log(1e-10) in total.
public struct CharacterNGramModel: Sendable {
    /// n: the longest n-gram (1...9; `captionctl lm` makes 2...9).
    public let order: Int
    public let symbols: [Character]

    /// One listed n-gram: its log10 probability and, when it is also a context, its log10 backoff.
    /// log10 as in the text, so writing what was read gives the same digits.
    private struct Entry: Sendable {
        var log10Prob: Double
        var log10Backoff: Double?
    }

    /// `tables[k]` holds the (k+1)-grams, keyed by `key(_:length:)`.
    private let tables: [[UInt64: Entry]]

    static let maxOrder = 9
    /// Codes are 6 bits: 0 `</s>`, 1...61 symbols, 62 an id out of range in a history, 63 `<s>`.
    static let maxSymbols = 61
    private static let endCode: UInt64 = 0
    private static let unknownCode: UInt64 = 62
    private static let startCode: UInt64 = 63
    /// What an id absent from the unigrams (or out of range) gets: log(1e-10).
    static let floorLogProbability = Float(log(1e-10))
    private static let ln10 = log(10.0)
    private static let payloadMask: UInt64 = (1 << 54) - 1

    /// The key of an n-gram: its codes packed oldest first (the newest in the low 6 bits), and
    /// its length above bit 54, so n-grams of different orders never collide.
    @inline(__always)
    private static func key(_ packed: UInt64, length: Int) -> UInt64 { UInt64(length) << 54 | packed }

    private init(order: Int, symbols: [Character], tables: [[UInt64: Entry]]) {
        self.order = order; self.symbols = symbols; self.tables = tables
    }

    // MARK: - Lookup

    /// Natural-log probability of `next` (1...symbols.count, or 0 = end of sentence) after
    /// `history` (class ids of the sentence so far, oldest first; only the last order − 1 matter,
    /// with `<s>` before the first). ARPA backoff: p(w | h) is the stored p(h w) when that n-gram
    /// is listed, else bo(h) · p(w | h′), recursively (bo = 1 for an unlisted context); an id the
    /// unigrams lack, or `next` out of range, gets log(1e-10). An out-of-range id in the history
    /// matches no n-gram (the context backs off past it).
    public func logProbability(of next: Int, after history: ArraySlice<Int>) -> Float {
        guard next >= 0, next <= symbols.count else { return Self.floorLogProbability }
        // The context, newest token in the low bits: the last order − 1 ids, then <s> if they run out.
        let limit = order - 1
        var context: UInt64 = 0, length = 0
        var i = history.endIndex
        while length < limit && i > history.startIndex {
            i -= 1
            let id = history[i]
            let code = id >= 0 && id <= symbols.count ? UInt64(id) : Self.unknownCode
            context |= code << UInt64(6 * length)
            length += 1
        }
        if length < limit { context |= Self.startCode << UInt64(6 * length); length += 1 }
        // Longest listed n-gram first; each unlisted one adds its context's backoff.
        var backoff = 0.0
        var k = length
        while k >= 0 {
            let suffix = context & ((1 << UInt64(6 * k)) - 1)
            if let e = tables[k][Self.key(suffix << 6 | UInt64(next), length: k + 1)] {
                return Float((backoff + e.log10Prob) * Self.ln10)
            }
            if k > 0, let bo = tables[k - 1][Self.key(suffix, length: k)]?.log10Backoff { backoff += bo }
            k -= 1
        }
        return Self.floorLogProbability
    }

    // MARK: - Estimation

    /// Estimates an interpolated Witten-Bell model of `order` (1...9) from sentences of class ids
    /// (each 1...symbols.count; `<s>` and `</s>` are added). Deterministic: counts are integers
    /// and each probability depends only on them, whatever order the dictionaries iterate in.
    /// - Throws: `ModelsError.languageModel` for an id out of range, a bad order or bad symbols.
    public static func estimate(sentences: [[Int]], symbols: [Character], order: Int) throws -> CharacterNGramModel {
        let path = "<estimate>"
        try check(symbols: symbols, path: path)
        guard (1...maxOrder).contains(order) else {
            throw ModelsError.languageModel(path: path, reason: "order \(order): expected 1...\(maxOrder)")
        }
        let v = symbols.count
        // counts[k]: (k+1)-gram counts (every n-gram predicting a position, never <s>).
        var counts = [[UInt64: Int]](repeating: [:], count: order)
        for (s, sentence) in sentences.enumerated() {
            var seq: [UInt64] = [startCode]
            seq.reserveCapacity(sentence.count + 2)
            for (j, id) in sentence.enumerated() {
                guard id >= 1 && id <= v else {
                    throw ModelsError.languageModel(path: path, reason: "sentence \(s), position \(j): class id \(id) is outside 1...\(v)")
                }
                seq.append(UInt64(id))
            }
            seq.append(endCode)
            for i in 1..<seq.count {
                var packed = seq[i], k = 0
                while true {
                    counts[k][key(packed, length: k + 1), default: 0] += 1
                    k += 1
                    guard k < order, i - k >= 0 else { break }
                    packed |= seq[i - k] << UInt64(6 * k)
                }
            }
        }
        // contexts[k]: c(h) and N1+(h•) for the contexts h of length k (key of the k-gram h).
        var contexts = [[UInt64: (total: Int, types: Int)]](repeating: [:], count: order)
        for k in 0..<order {
            for (g, c) in counts[k] {
                let h = key((g & payloadMask) >> 6, length: k)
                contexts[k][h, default: (0, 0)].total += c
                contexts[k][h, default: (0, 0)].types += 1
            }
        }
        // p_WB of every listed n-gram, order by order: (h′ w) is seen whenever (h w) is.
        var prob = [[UInt64: Double]](repeating: [:], count: order)
        let root = contexts[0][key(0, length: 0)] ?? (0, 0)
        let uniform = 1.0 / Double(v + 1)
        for w in 0...v {
            let c = counts[0][key(UInt64(w), length: 1)] ?? 0
            prob[0][key(UInt64(w), length: 1)] = root.total + root.types > 0
                ? (Double(c) + Double(root.types) * uniform) / Double(root.total + root.types) : uniform
        }
        for k in 1..<order {
            for (g, c) in counts[k] {
                let payload = g & payloadMask
                guard let stats = contexts[k][key(payload >> 6, length: k)],
                      let lower = prob[k - 1][key(payload & ((1 << UInt64(6 * k)) - 1), length: k)] else { continue }
                prob[k][g] = (Double(c) + Double(stats.types) * lower) / Double(stats.total + stats.types)
            }
        }
        var tables = [[UInt64: Entry]](repeating: [:], count: order)
        for k in 0..<order {
            for (g, p) in prob[k] { tables[k][g] = Entry(log10Prob: log10(p), log10Backoff: nil) }
        }
        tables[0][key(startCode, length: 1)] = Entry(log10Prob: -99, log10Backoff: nil)
        // Backoff of a context h: (1 − Σ_listed p_WB(w|h)) / (1 − Σ_listed p_WB(w|h′)). Every listed
        // w after h has p_WB(w|h) = (c(h,w) + N1+·p(w|h′)) / (c(h) + N1+), so the numerator is
        // N1+·(1 − Σ_listed p(w|h′)) / (c(h) + N1+) and the ratio is N1+(h•) / (c(h) + N1+(h•)):
        // exact, and defined even when every outcome is listed after h. Every context is itself
        // a listed n-gram (its last token was predicted, or it is <s>).
        for k in 1..<order {
            for (h, stats) in contexts[k] {
                tables[k - 1][h]?.log10Backoff = log10(Double(stats.types) / Double(stats.total + stats.types))
            }
        }
        return CharacterNGramModel(order: order, symbols: symbols, tables: tables)
    }

    // MARK: - ARPA text

    /// Reads the ARPA file at `path`.
    /// - Throws: `ModelsError.languageModel` naming the path when it cannot be read or parsed.
    public init(contentsOf path: String, symbols: [Character]) throws {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ModelsError.languageModel(path: path, reason: "cannot read the character language model (\(error.localizedDescription)): check the path, or make one with `captionctl lm --corpus DIR -o \(path)`")
        }
        try self.init(arpa: text, symbols: symbols, path: path)
    }

    /// Parses ARPA text over `symbols` (see the type's documentation for the tokens).
    /// - Throws: `ModelsError.languageModel(path:reason:)` with "line N: …" for a missing `\data\`
    ///   header, bad `ngram N=count` lines or an order above 9, section counts that differ from
    ///   the header, a token not in `symbols`, a malformed number, a duplicate n-gram, a missing
    ///   `\end\`; also for unusable symbols.
    public init(arpa text: String, symbols: [Character], path: String = "<arpa>") throws {
        try Self.check(symbols: symbols, path: path)
        func fail(_ line: Int, _ reason: String) -> ModelsError {
            .languageModel(path: path, reason: "line \(line): \(reason)")
        }
        func shown(_ s: Substring) -> String { s.count > 40 ? "'\(s.prefix(40))…'" : "'\(s)'" }
        var codes: [String: UInt64] = ["<s>": Self.startCode, "</s>": Self.endCode]
        for (i, s) in symbols.enumerated() { codes[Self.token(s)] = UInt64(i + 1) }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(\.trimmedOfSpaces)
        var n = 0   // index of the next line (its number is n + 1)
        let last = max(1, (lines.lastIndex { !$0.isEmpty } ?? 0) + 1)   // the last non-blank line's number
        func skipBlank() { while n < lines.count && lines[n].isEmpty { n += 1 } }

        // \data\ and the counts.
        skipBlank()
        guard n < lines.count else { throw fail(1, "missing the \\data\\ header: the text is empty") }
        guard lines[n] == "\\data\\" else { throw fail(n + 1, "expected the \\data\\ header of an ARPA file, found \(shown(lines[n]))") }
        n += 1
        var declared: [Int] = []
        skipBlank()
        while n < lines.count && lines[n].hasPrefix("ngram") {
            let parts = lines[n].dropFirst("ngram".count).split(separator: "=", omittingEmptySubsequences: false)
                .map(\.trimmedOfSpaces)
            guard parts.count == 2, let k = Int(parts[0]), let c = Int(parts[1]), c >= 0 else {
                throw fail(n + 1, "malformed count line \(shown(lines[n])): expected 'ngram N=count'")
            }
            guard k == declared.count + 1 else { throw fail(n + 1, "expected 'ngram \(declared.count + 1)=…', found \(shown(lines[n]))") }
            guard k <= Self.maxOrder else { throw fail(n + 1, "order \(k) is above the maximum \(Self.maxOrder)") }
            declared.append(c)
            n += 1
            skipBlank()
        }
        guard !declared.isEmpty else {
            throw fail(min(n + 1, last), "no 'ngram N=count' lines after \\data\\")
        }

        // The sections, \1-grams: to \N-grams:, each with as many n-grams as declared.
        var tables = [[UInt64: Entry]](repeating: [:], count: declared.count)
        for k in 1...declared.count {
            skipBlank()
            guard n < lines.count else { throw fail(last, "missing the \\\(k)-grams: section (the text ends)") }
            guard lines[n] == "\\\(k)-grams:" else { throw fail(n + 1, "expected \\\(k)-grams:, found \(shown(lines[n]))") }
            let header = n + 1
            n += 1
            var listed = 0
            while n < lines.count {
                let line = lines[n]
                if line.isEmpty { n += 1; continue }
                if line.hasPrefix("\\") { break }   // the next section or \end\ (a line starts with a number)
                let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard fields.count == k + 1 || fields.count == k + 2 else {
                    throw fail(n + 1, "expected a log10 probability, \(k) token\(k == 1 ? "" : "s") and an optional backoff; found \(fields.count) fields in \(shown(line))")
                }
                guard let p = Double(fields[0]), p.isFinite else { throw fail(n + 1, "malformed probability \(shown(fields[0]))") }
                var backoff: Double?
                if fields.count == k + 2 {
                    guard let b = Double(fields[k + 1]), b.isFinite else {
                        throw fail(n + 1, "malformed backoff \(shown(fields[k + 1])) (or a token too many for a \(k)-gram)")
                    }
                    backoff = b
                }
                var packed: UInt64 = 0, unknown = false
                for f in fields[1...k] {
                    if f == "<unk>" { unknown = true; continue }
                    guard let c = codes[String(f)] else {
                        let expected = (["<s>", "</s>", "<unk>"] + symbols.map(Self.token)).joined(separator: " ")
                        throw fail(n + 1, "token \(shown(f)) is not in the vocabulary; expected one of: \(expected)")
                    }
                    packed = packed << 6 | c
                }
                listed += 1
                n += 1
                if unknown { continue }   // <unk> never occurs in a sentence of class ids
                let key = Self.key(packed, length: k)
                guard tables[k - 1][key] == nil else { throw fail(n, "duplicate \(k)-gram \(shown(fields[1...k].joined(separator: " ")[...]))") }
                tables[k - 1][key] = Entry(log10Prob: p, log10Backoff: backoff)
            }
            guard listed == declared[k - 1] else {
                throw fail(header, "\\\(k)-grams: lists \(listed) n-grams but \\data\\ declares ngram \(k)=\(declared[k - 1])")
            }
        }
        skipBlank()
        guard n < lines.count, lines[n] == "\\end\\" else {
            throw fail(min(n + 1, last), n < lines.count
                ? "expected \\end\\ after the \\\(declared.count)-grams: section, found \(shown(lines[n]))"
                : "missing \\end\\ (the text ends after the \\\(declared.count)-grams: section)")
        }
        self.init(order: declared.count, symbols: symbols, tables: tables)
    }

    /// The model as ARPA text: log10 probabilities and backoffs ("%.6f"), n-grams sorted by their
    /// codes (`</s>` first, then the symbols in vocabulary order, `<s>` last), a backoff written
    /// where the n-gram is a context. Reading it back gives the same `logProbability` to within the
    /// rounding (≤ 5e-7 per log10 number, so ≤ order · 1.2e-6 in natural log), and writing that
    /// again gives the same text.
    public func arpa() -> String {
        var out = "\\data\\\n"
        for k in 0..<order { out += "ngram \(k + 1)=\(tables[k].count)\n" }
        for k in 0..<order {
            out += "\n\\\(k + 1)-grams:\n"
            for (key, e) in tables[k].sorted(by: { $0.key < $1.key }) {
                var line = String(format: "%.6f", e.log10Prob) + "\t"
                for j in stride(from: k, through: 0, by: -1) {
                    line += tokenName((key >> UInt64(6 * j)) & 63) + (j > 0 ? " " : "")
                }
                if let bo = e.log10Backoff { line += "\t" + String(format: "%.6f", bo) }
                out += line + "\n"
            }
        }
        return out + "\n\\end\\\n"
    }

    // MARK: - Helpers

    /// A symbol's ARPA token: itself, or `<space>` for the space.
    private static func token(_ s: Character) -> String { s == " " ? "<space>" : String(s) }

    private func tokenName(_ code: UInt64) -> String {
        switch code {
        case Self.endCode: return "</s>"
        case Self.startCode: return "<s>"
        case let c where c >= 1 && Int(c) <= symbols.count: return Self.token(symbols[Int(c) - 1])
        default: return "<unk>"   // not reached: only vocabulary codes are stored
        }
    }

    /// Symbols fit the codes and the text format: 1...61 of them, distinct, none whitespace but the space.
    private static func check(symbols: [Character], path: String) throws {
        guard (1...maxSymbols).contains(symbols.count) else {
            throw ModelsError.languageModel(path: path, reason: "\(symbols.count) symbols: a character n-gram model takes 1...\(maxSymbols)")
        }
        var seen = Set<Character>()
        for s in symbols {
            guard seen.insert(s).inserted else { throw ModelsError.languageModel(path: path, reason: "symbol '\(s)' is listed twice") }
            guard s == " " || !s.isWhitespace else {
                throw ModelsError.languageModel(path: path, reason: "symbol \(s.unicodeScalars.map { "U+" + String($0.value, radix: 16, uppercase: true) }.joined()) is whitespace other than the space")
            }
        }
    }
}

private extension Substring {
    /// The slice without leading and trailing whitespace (the line's spaces and tabs; lines hold no
    /// newline). No copy: Foundation's `trimmingCharacters(in:)` bridges each line through NSString
    /// and made that half of an ARPA parse.
    var trimmedOfSpaces: Substring {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
