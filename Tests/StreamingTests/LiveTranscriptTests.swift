import XCTest
import CaptionCore
@testable import Streaming

/// Live transcripts (`captionctl subscribe --output`): capture times mapped to session time, SRT
/// numbering continued from an existing file, files that are not transcripts refused, and the
/// SRT/WebVTT reader that reads them back.
final class LiveTranscriptTests: XCTestCase {
    func final(_ text: String, _ start: Double, _ end: Double, utterance: Int = 1) -> CaptionFinal {
        CaptionFinal(utterance: utterance, seq: utterance, text: text, start: start, end: end, lang: "en", words: [], wall: nil)
    }

    func testSRTCuesUseSessionTimeAndReadBack() throws {
        var t = try LiveTranscript(format: .srt, existing: "", modified: nil, wallNow: 1000, origin: 500)
        var file = t.append(final("Ask not what your country can do for you.", 502.0, 504.5))
        file += t.append(final("Ask what you can do for your country.", 505.0, 507.25, utterance: 2))
        XCTAssertTrue(file.hasPrefix("1\n00:00:02,000 --> "), file)
        let cues = try SubtitleReader.srt(file)
        XCTAssertEqual(cues.map(\.number), Array(1...cues.count).map { Optional($0) })
        XCTAssertEqual(cues.first?.start ?? -1, 2.0, accuracy: 0.001)
        XCTAssertEqual(cues.last?.end ?? -1, 7.25, accuracy: 0.001)
        XCTAssertEqual(cues.map(\.text).joined(separator: " ").replacingOccurrences(of: "\n", with: " "),
                       "Ask not what your country can do for you. Ask what you can do for your country.")
    }

    func testAnExistingSRTIsContinuedWithItsNumberingAndTimes() throws {
        let existing = "1\n00:00:01,000 --> 00:00:02,000\nfirst\n\n2\n00:00:03,000 --> 00:00:04,500\nsecond\n"
        // The file was written 10 s ago (wall clock); the new session's capture clock is at 900.
        var t = try LiveTranscript(format: .srt, existing: existing, modified: 990, wallNow: 1000, origin: 900)
        XCTAssertEqual(t.nextCue, 3)
        let more = t.append(final("third", 901, 902))
        XCTAssertTrue(more.hasPrefix("\n3\n"), "the missing blank line is added first: \(more.debugDescription)")
        let cues = try SubtitleReader.srt(existing + more)
        XCTAssertEqual(cues.map(\.number), [1, 2, 3])
        XCTAssertEqual(cues[2].start, 4.5 + 10 + 1, accuracy: 0.001, "last end + wall gap + capture offset")
        XCTAssertEqual(cues[2].text, "third")
    }

    func testCuesNeverGoBack() throws {
        var t = try LiveTranscript(format: .srt, existing: "", modified: nil, wallNow: 0, origin: 0)
        _ = t.append(final("one", 1, 3))
        let cues = try SubtitleReader.srt(t.append(final("two", 2, 4)))
        XCTAssertGreaterThanOrEqual(cues[0].start, 3)
    }

    func testVTTHeaderOnceAndEscapes() throws {
        var t = try LiveTranscript(format: .vtt, existing: "", modified: nil, wallNow: 0, origin: 10)
        let text = t.append(final("a < b & c", 11, 12)) + t.append(final("next", 13, 14))
        XCTAssertEqual(text.components(separatedBy: "WEBVTT").count, 2)
        let cues = try SubtitleReader.vtt(text)
        XCTAssertEqual(cues.map(\.text), ["a < b & c", "next"])
        var again = try LiveTranscript(format: .vtt, existing: text, modified: 0, wallNow: 0, origin: 0)
        XCTAssertFalse(again.append(final("third", 1, 2)).contains("WEBVTT"))
    }

    func testTextAndJSONLines() throws {
        var t = try LiveTranscript(format: .txt, existing: "earlier line", modified: nil, wallNow: 0, origin: 0)
        XCTAssertEqual(t.append(final("  hello  ", 1, 2)), "\nhello\n")
        XCTAssertEqual(t.append(final("   ", 2, 3)), "", "finals without text are skipped")
        var j = try LiveTranscript(format: .jsonl, existing: "", modified: nil, wallNow: 0, origin: 100)
        let line = j.append(final("hi", 101.5, 102))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual(object["text"] as? String, "hi")
        XCTAssertEqual(object["start"] as? Double, 1.5)
        XCTAssertEqual(object["capture_start"] as? Double, 101.5)
    }

    func testAFileOfAnotherKindIsRefused() {
        XCTAssertThrowsError(try LiveTranscript(format: .srt, existing: "notes\nmore notes\n", modified: nil, wallNow: 0, origin: 0)) {
            XCTAssertTrue("\($0)".contains("not a srt transcript"), "\($0)")
            XCTAssertTrue("\($0)".contains("line 1"), "\($0)")
        }
        XCTAssertThrowsError(try LiveTranscript(format: .vtt, existing: "1\n00:00:01,000 --> 00:00:02,000\nx\n", modified: nil, wallNow: 0, origin: 0))
        XCTAssertThrowsError(try LiveTranscript(format: .jsonl, existing: "{\"end\":1}\nnot json\n", modified: nil, wallNow: 0, origin: 0))
    }

    /// Fuzz seed `Fuzz/Seeds/transcript/big-number.srt`: a last cue numbered Int.max made the next
    /// number overflow (a trap); it is refused with the number and what to do.
    func testACueNumberTooLargeToContinueIsRefused() {
        let existing = "9223372036854775807\n00:00:01,000 --> 00:00:02,000\nlast\n\n"
        XCTAssertThrowsError(try LiveTranscript(format: .srt, existing: existing, modified: nil, wallNow: 0, origin: 0)) {
            XCTAssertTrue("\($0)".contains("9223372036854775807 is too large to continue"), "\($0)")
        }
    }

    func testFormatFromNameOrExtension() throws {
        XCTAssertEqual(try TranscriptFormat.resolve(nil, path: "/tmp/a.SRT"), .srt)
        XCTAssertEqual(try TranscriptFormat.resolve(nil, path: "/tmp/a.log"), .txt)
        XCTAssertEqual(try TranscriptFormat.resolve("jsonl", path: "x"), .jsonl)
        XCTAssertThrowsError(try TranscriptFormat.resolve("docx", path: "x"))
    }

    func testReaderRejectsMalformedCuesWithTheirLine() {
        XCTAssertThrowsError(try SubtitleReader.srt("1\n00:00:01,000 -> 00:00:02,000\nx\n")) {
            XCTAssertEqual(($0 as? SubtitleReader.Failure)?.line, 2)
        }
        XCTAssertThrowsError(try SubtitleReader.srt("1\n00:00:03,000 --> 00:00:02,000\nx\n"))
        XCTAssertThrowsError(try SubtitleReader.srt("1\n00:61:01,000 --> 01:00:02,000\nx\n"))
        XCTAssertEqual(try SubtitleReader.srt("\u{FEFF}1\r\n00:00:01,000 --> 00:00:02,500\r\nx\r\n\r\n").first?.end, 2.5)
        XCTAssertEqual(try SubtitleReader.vtt("WEBVTT\n\nNOTE hi\n\n01:02.000 --> 01:03.500 align:start\ny\n").first?.start, 62)
    }
}
