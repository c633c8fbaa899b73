import Models

/// How a Mandarin audio-visual checkpoint's tone-numbered pinyin is written (`model.script`,
/// `--script`): hanzi by libpinyin (`simplified`, `as-is`), then OpenCC for `traditional`; or the
/// pinyin itself (`pinyin`).
public struct PinyinCaptionScript: Sendable {
    public let script: ModelSettings.Script
    private let hanzi: PinyinHanziConverter?
    private let chinese: ChineseScript?

    /// Throws `StreamingError.pinyinConversion` when hanzi are asked for and libpinyin cannot load.
    public init(_ script: ModelSettings.Script, dataDirectory: String? = nil) throws {
        self.script = script
        hanzi = script == .pinyin ? nil : try PinyinHanziConverter(dataDirectory: dataDirectory)
        chinese = script == .traditional ? try ChineseScript(.traditional) : nil
    }

    /// The script of a checkpoint whose output classes are `vocabulary`: nil unless it writes pinyin
    /// (an English checkpoint's text is written as is).
    public static func forVocabulary(_ vocabulary: AVVocabulary, script: ModelSettings.Script) throws -> PinyinCaptionScript? {
        vocabulary.kind == .pinyin ? try PinyinCaptionScript(script) : nil
    }

    /// True unless the pinyin is kept.
    public var writesHanzi: Bool { hanzi != nil }

    /// The text in the script. Never fails: what libpinyin cannot convert stays pinyin, and hanzi
    /// OpenCC cannot convert stay simplified (a caption is never lost to the conversion).
    public func convert(_ pinyin: String) -> String {
        guard let hanzi else { return pinyin }
        let text = hanzi.convert(pinyin)
        return (try? chinese?.convert(text)) ?? text
    }

    /// The hypothesis words (one syllable each) in the script, times kept; never fails, as `convert`.
    public func convert(words: [Word]) -> [Word] {
        guard let hanzi else { return words }
        let converted = hanzi.convert(words: words)
        return (try? chinese?.convert(words: converted)) ?? converted
    }
}
