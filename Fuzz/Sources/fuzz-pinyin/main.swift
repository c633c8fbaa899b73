import Foundation
import Streaming

/// Text handed to libpinyin (`PinyinHanziConverter`, Streaming): a Mandarin audio-visual model's
/// output and, in `captionctl eval`, the `pinyin` field of a corpus manifest. Any bytes go to
/// `convert` as a string and as one-word-per-syllable hypothesis words (context and word-by-word
/// paths); what the converter cannot read must come back as written, never lost or crashed on.
nonisolated(unsafe) private var converter: PinyinHanziConverter?

/// libpinyin's tables load once, before the first input (their allocations belong to no input),
/// and are released at exit (pinyin_fini) before LeakSanitizer's final check, which runs after.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzPinyinInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    converter = try? PinyinHanziConverter()
    atexit { converter = nil }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPinyin(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let converter else { fatalError("fuzz-pinyin: libpinyin-data is not installed (scripts/setup-deps)") }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let syllables = text.split(whereSeparator: \.isWhitespace)
    let words = syllables.enumerated().map { i, s in
        Word(text: String(s), start: Double(i) * 0.2, end: Double(i) * 0.2 + 0.15)
    }
    // convert(_:) reads only the whitespace-split syllables, and convert(words:) converts the words
    // joined by spaces with it first: the string path runs on its own only when that join splits
    // differently (grapheme clusters across a space). libpinyin's search is most of each input's
    // time, so this saves one search per input and loses no path (Fuzz/README.md, tenth run).
    if syllables.joined(separator: " ").split(whereSeparator: \.isWhitespace) != syllables {
        _ = converter.convert(text)
    }
    let out = converter.convert(words: words)
    precondition(out.count == words.count, "convert(words:) lost or added words")
    return 0
}
