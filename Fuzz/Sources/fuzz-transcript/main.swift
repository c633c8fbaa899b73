import Foundation
import CaptionCore
import Streaming

/// An existing transcript file that `captionctl subscribe --output FILE` appends to (Streaming's
/// SubtitleReader for SRT and WebVTT, the JSON-lines scan, the numbering and session-time
/// continuation of LiveTranscript), in every format, then one final appended after it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTranscript(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? SubtitleReader.srt(text)
    _ = try? SubtitleReader.vtt(text)
    for format in TranscriptFormat.allCases {
        guard var transcript = try? LiveTranscript(format: format, existing: text, modified: 1_000,
                                                   wallNow: 1_010, origin: 5) else { continue }
        let word = CaptionWord(word: "fuzz", start: 5.1, end: 5.4, probability: 0.9)
        _ = transcript.append(CaptionFinal(utterance: 1, text: "fuzz", start: 5.1, end: 5.4, lang: "en", words: [word]))
    }
    return 0
}
