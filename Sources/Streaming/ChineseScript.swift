import COpenCC

/// Writes Chinese captions in the configured script (`model.script`, `--script`): Whisper writes
/// Mandarin in traditional characters about as often as in simplified ones. libopencc converts
/// ("t2s.json" to simplified, "s2t.json" to traditional); `.asIs` leaves the text alone; `.pinyin`
/// is refused (it is a Mandarin audio-visual checkpoint's output, `PinyinCaptionScript`). Text
/// without CJK characters passes through untouched.
public final class ChineseScript: @unchecked Sendable {
    public let script: ModelSettings.Script
    private let handle: opencc_t?

    public init(_ script: ModelSettings.Script) throws {
        self.script = script
        let config: String
        switch script {
        case .asIs: handle = nil; return
        case .pinyin:
            throw StreamingError.modelUnusable(model: "script", reason: "\"pinyin\" applies to a Mandarin audio-visual checkpoint (its tone-numbered pinyin kept); Whisper writes hanzi: use simplified, traditional or as-is")
        case .simplified: config = "t2s.json"
        case .traditional: config = "s2t.json"
        }
        let h = opencc_open(config)
        guard let h, UInt(bitPattern: h) != UInt.max else {
            throw StreamingError.modelUnusable(model: "opencc", reason: "opencc_open(\(config)) failed: \(Self.lastError()); install libopencc1.1 (OpenCC's data files under /usr/share/opencc) or use script \"as-is\"")
        }
        handle = h
    }

    deinit { if let handle { _ = opencc_close(handle) } }

    /// `text` in the configured script.
    public func convert(_ text: String) throws -> String {
        guard let handle, text.unicodeScalars.contains(where: CaptionText.isWide) else { return text }
        let utf8 = Array(text.utf8)
        let out: UnsafeMutablePointer<CChar>? = utf8.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) {
                opencc_convert_utf8(handle, $0, buf.count)
            }
        }
        guard let out else {
            throw StreamingError.modelUnusable(model: "opencc", reason: "opencc_convert_utf8 failed on \(utf8.count) bytes: \(Self.lastError())")
        }
        defer { opencc_convert_utf8_free(out) }
        return String(cString: out)
    }

    /// The words converted: the joined text at once (phrases convert in context) when the
    /// conversion keeps every word's character count, else word by word.
    public func convert(words: [Word]) throws -> [Word] {
        guard handle != nil, words.contains(where: { $0.text.unicodeScalars.contains(where: CaptionText.isWide) }) else { return words }
        let joined = try convert(words.map(\.text).joined())
        var out = words
        if joined.count == words.reduce(0, { $0 + $1.text.count }) {
            var rest = Substring(joined)
            for i in out.indices {
                out[i].text = String(rest.prefix(words[i].text.count))
                rest = rest.dropFirst(words[i].text.count)
            }
            return out
        }
        for i in out.indices { out[i].text = try convert(out[i].text) }
        return out
    }

    static func lastError() -> String {
        guard let p = opencc_error() else { return "unknown error" }
        return String(cString: p)
    }
}
