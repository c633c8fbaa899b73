import CPinyin
import Foundation

/// Tone-numbered pinyin (`lan2 ye4 chun1`, the Mandarin audio-visual model's text) to simplified
/// hanzi with libpinyin (the engine of ibus-libpinyin) and its word n-gram. A run of syllables
/// converts in context; a syllable libpinyin cannot read (`xq3`) stays as written.
///
/// Tones: libpinyin parses the digits, but the Debian data (libpinyin-data 2.8.1) stores tone-less
/// readings, so a tone does not constrain the characters (`ma3` offers 麻 and 骂 alike).
public final class PinyinHanziConverter: @unchecked Sendable {
    /// Where Debian's libpinyin-data puts the system tables (`pkg-config --variable=pkgdatadir libpinyin` + /data).
    public static let dataDirectoryCandidates = ["/usr/lib/x86_64-linux-gnu/libpinyin/data", "/usr/lib/aarch64-linux-gnu/libpinyin/data",
                                                 "/usr/lib/libpinyin/data", "/usr/share/libpinyin/data"]

    /// The first candidate directory holding libpinyin's `table.conf` (nil: libpinyin-data is not installed).
    public static var defaultDataDirectory: String? {
        dataDirectoryCandidates.first { FileManager.default.fileExists(atPath: ($0 as NSString).appendingPathComponent("table.conf")) }
    }

    public let dataDirectory: String
    private let context: OpaquePointer
    private let instance: OpaquePointer
    private let lock = NSLock()   // a libpinyin instance holds one parse at a time

    /// Loads libpinyin's system tables from `dataDirectory` (default: `defaultDataDirectory`).
    public init(dataDirectory: String? = nil) throws {
        guard let dir = dataDirectory ?? Self.defaultDataDirectory else {
            throw StreamingError.pinyinConversion(function: "pinyin_init", reason:
                "no libpinyin data (table.conf) in \(Self.dataDirectoryCandidates.joined(separator: ", ")); install libpinyin-data (scripts/setup-deps), or keep the pinyin (--script pinyin, model.script = \"pinyin\")")
        }
        self.dataDirectory = dir
        // No user directory: nothing is learnt or saved, so the same pinyin always gives the same hanzi.
        guard let context = pinyin_init(dir, nil) else {
            throw StreamingError.pinyinConversion(function: "pinyin_init", reason:
                "cannot load libpinyin's tables from \(dir) (table.conf missing or unreadable); reinstall libpinyin-data (apt-get install --reinstall libpinyin-data)")
        }
        let options = pinyin_option_t(IS_PINYIN.rawValue | USE_TONE.rawValue | USE_DIVIDED_TABLE.rawValue
                                      | USE_RESPLIT_TABLE.rawValue | PINYIN_CORRECT_ALL.rawValue)
        guard pinyin_set_options(context, options) else {
            pinyin_fini(context)
            throw StreamingError.pinyinConversion(function: "pinyin_set_options", reason: "libpinyin refused the options \(options) (tone-numbered full pinyin); check the libpinyin version (2.8 is tested)")
        }
        guard let instance = pinyin_alloc_instance(context) else {
            pinyin_fini(context)
            throw StreamingError.pinyinConversion(function: "pinyin_alloc_instance", reason: "libpinyin returned no instance for the tables in \(dir); reinstall libpinyin-data")
        }
        self.context = context
        self.instance = instance
    }

    deinit {
        pinyin_free_instance(instance)
        pinyin_fini(context)
    }

    /// Hanzi of space-separated tone-numbered syllables (`ni3 hao3` → 你好); ü may be written `v`.
    /// Never loses text: a run libpinyin fails on converts syllable by syllable, and a syllable it
    /// cannot read or convert stays as written.
    public func convert(_ pinyin: String) -> String {
        let syllables = pinyin.split(whereSeparator: \.isWhitespace).map(String.init)
        lock.lock(); defer { lock.unlock() }
        var out = "", run: [String] = []
        for s in syllables {
            if (try? readable(s)) ?? false { run.append(s); continue }
            out += converted(run)
            run = []
            out += s
        }
        return out + converted(run)
    }

    /// The words (one syllable each, as the model's hypothesis) in hanzi: the syllables converted
    /// together (characters chosen in context) when that gives one character a word, else word by word.
    public func convert(words: [Word]) -> [Word] {
        guard !words.isEmpty else { return words }
        let joined = Array(convert(words.map(\.text).joined(separator: " ")))
        var out = words
        if joined.count == words.count {
            for i in out.indices { out[i].text = String(joined[i]) }
            return out
        }
        for i in out.indices { out[i].text = convert(out[i].text) }
        return out
    }

    // MARK: - libpinyin calls (the lock held)

    /// A run of readable syllables in context; on a libpinyin failure each alone, else as written.
    private func converted(_ run: [String]) -> String {
        if let text = try? sentence(run) { return text }
        return run.map { (try? sentence([$0])) ?? $0 }.joined()
    }

    /// Whether libpinyin parses the whole syllable.
    private func readable(_ syllable: String) throws -> Bool {
        try parse(syllable) == syllable.utf8.count
    }

    /// The best sentence of syllables libpinyin reads; "" for none.
    private func sentence(_ syllables: [String]) throws -> String {
        guard !syllables.isEmpty else { return "" }
        let keys = syllables.joined(separator: "'")   // libpinyin's syllable separator
        let parsed = try parse(keys)
        guard parsed == keys.utf8.count else {
            throw StreamingError.pinyinConversion(function: "pinyin_parse_more_full_pinyins", reason: "parsed \(parsed) of \(keys.utf8.count) bytes of \"\(keys)\" though each syllable parses alone; report this input")
        }
        guard pinyin_guess_sentence(instance) else {
            throw StreamingError.pinyinConversion(function: "pinyin_guess_sentence", reason: "no sentence for \"\(keys)\"; check libpinyin-data (bigram.db) in \(dataDirectory)")
        }
        var text: UnsafeMutablePointer<CChar>?
        guard pinyin_get_sentence(instance, 0, &text), let text else {
            throw StreamingError.pinyinConversion(function: "pinyin_get_sentence", reason: "no sentence 0 after guessing \"\(keys)\"; check libpinyin-data in \(dataDirectory)")
        }
        defer { g_free(text) }
        return String(cString: text)
    }

    /// Resets the instance and parses `keys`; the bytes parsed.
    private func parse(_ keys: String) throws -> Int {
        guard pinyin_reset(instance) else {
            throw StreamingError.pinyinConversion(function: "pinyin_reset", reason: "libpinyin could not clear the last input; make a new converter")
        }
        return pinyin_parse_more_full_pinyins(instance, keys)
    }
}
