import XCTest
import Streaming

final class LineBreakerTests: XCTestCase {
    func testShortTextStaysOnOneLine() {
        XCTAssertEqual(LineBreaker().lines(["Ask", "not", "what"]), ["Ask not what"])
    }

    func testLongTextSplitsBalancedAtWordBoundaries() throws {
        let words = CaptionText.words("And so my fellow Americans ask not what your country can do for you")
        let lines = try XCTUnwrap(LineBreaker().lines(words))
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines.allSatisfy { $0.count <= 42 }, "\(lines)")
        XCTAssertEqual(lines.joined(separator: " "), CaptionText.join(words), "no word is cut")
        XCTAssertLessThanOrEqual(abs(lines[0].count - lines[1].count), 8, "balanced: \(lines)")
    }

    func testPrefersBreakAfterPunctuationWhenBalanceIsClose() throws {
        let words = CaptionText.words("And so, my fellow Americans, ask not what your country can do")
        let lines = try XCTUnwrap(LineBreaker().lines(words))
        XCTAssertEqual(lines, ["And so, my fellow Americans,", "ask not what your country can do"])
    }

    func testTooLongForTwoLinesIsNil() {
        let words = Array(repeating: "abcdefghij", count: 9) // 98 columns
        XCTAssertNil(LineBreaker().lines(words))
    }

    func testChineseBreaksPerCharacterCountingDoubleWidth() throws {
        let text = "我们今天要讨论的是如何在不影响质量的前提下提高系统的实时性能"
        let words = CaptionText.words(text)
        XCTAssertEqual(words.count, text.count, "one word per character")
        XCTAssertEqual(CaptionText.width(text), 2 * text.count)
        let lines = try XCTUnwrap(LineBreaker().lines(words))
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual(lines.joined(), text, "no spaces are inserted between Chinese characters")
        XCTAssertTrue(lines.allSatisfy { CaptionText.width($0) <= 42 }, "\(lines)")
    }

    func testChinesePunctuationNeverStartsALine() throws {
        let words = CaptionText.words("今天天气很好，我们去公园散步吧。然后一起吃晚饭好不好？")
        XCTAssertTrue(words.contains("好，"))
        let lines = try XCTUnwrap(LineBreaker().lines(words))
        XCTAssertFalse(lines.contains { $0.first.map { "，。？".contains($0) } ?? false }, "\(lines)")
    }
}

final class CueBuilderTests: XCTestCase {
    func testEmptyInputGivesNoCues() throws {
        XCTAssertEqual(try CueBuilder().cues(for: []), [])
        XCTAssertEqual(try CueBuilder().cues(for: [SubtitleSegment(start: 0, end: 1, text: "  ")]), [])
        XCTAssertEqual(SubtitleWriter.srt([]), "")
        XCTAssertEqual(SubtitleWriter.vtt([]), "WEBVTT\n\n")
    }

    func testLongSentenceWithoutWordTimesIsSplitWithTimeByCharacters() throws {
        let text = "And so my fellow Americans ask not what your country can do for you ask what you can do "
            + "for your country and the glow from that fire can truly light the world tonight"
        let cues = try CueBuilder().cues(for: [SubtitleSegment(start: 0, end: 12, text: text)])
        XCTAssertGreaterThanOrEqual(cues.count, 2)
        XCTAssertEqual(cues.first?.start ?? -1, 0, accuracy: 1e-9)
        XCTAssertGreaterThanOrEqual(cues.last?.end ?? -1, 12 - 1e-9, "the last word stays until the segment ends")
        for cue in cues {
            XCTAssertLessThanOrEqual(cue.lines.count, 2)
            XCTAssertTrue(cue.lines.allSatisfy { $0.count <= 42 }, "\(cue.lines)")
            XCTAssertLessThanOrEqual(cue.end - cue.start, 7 + 1e-9)
            XCTAssertGreaterThanOrEqual(cue.end - cue.start, 1 - 1e-9)
        }
        for (a, b) in zip(cues, cues.dropFirst()) { XCTAssertLessThanOrEqual(a.end, b.start + 1e-9) }
        XCTAssertEqual(cues.map { $0.lines.joined(separator: " ") }.joined(separator: " "), text,
                       "every word appears once, in order")
        // Time is spread by characters: the split point's time matches its character offset.
        let firstChars = Double(cues[0].lines.joined(separator: " ").count)
        XCTAssertEqual(cues[1].start / 12, (firstChars + 1) / Double(text.count + 1), accuracy: 0.02)
    }

    func testSplitsAtSentenceEndsAndPauses() throws {
        let words: [Word] = [
            Word(text: "We", start: 0.0, end: 0.3), Word(text: "choose", start: 0.3, end: 0.7),
            Word(text: "the", start: 0.7, end: 0.8), Word(text: "moon.", start: 0.8, end: 1.3),
            Word(text: "Not", start: 1.4, end: 1.7), Word(text: "because", start: 1.7, end: 2.2),
            Word(text: "they", start: 2.2, end: 2.4), Word(text: "are", start: 2.4, end: 2.6),
            Word(text: "easy,", start: 2.6, end: 3.0),
            Word(text: "but", start: 4.5, end: 4.8), Word(text: "hard.", start: 4.8, end: 5.3),
        ]
        let segment = SubtitleSegment(start: 0, end: 5.3, text: words.map(\.text).joined(separator: " "),
                                      words: words)
        let cues = try CueBuilder().cues(for: [segment])
        XCTAssertEqual(cues.map(\.text), ["We choose the moon.", "Not because they are easy,", "but hard."])
        XCTAssertEqual(cues.map(\.start), [0.0, 1.4, 4.5])
        XCTAssertEqual(cues[2].end, 5.5, accuracy: 1e-9, "a 0.8 s cue is extended to the 1 s minimum")
    }

    func testShortCuesAreMerged() throws {
        let segments = [
            SubtitleSegment(start: 0.0, end: 0.4, text: "Yes."),
            SubtitleSegment(start: 0.5, end: 0.9, text: "Of course."),
            SubtitleSegment(start: 1.0, end: 2.5, text: "Come in and sit down."),
        ]
        let cues = try CueBuilder().cues(for: segments)
        XCTAssertEqual(cues.count, 1)
        XCTAssertEqual(cues.first?.lines, ["Yes. Of course. Come in and sit down."])
        XCTAssertEqual(cues.first?.start, 0.0)
        XCTAssertEqual(cues.first?.end, 2.5)
    }

    func testIsolatedShortCueIsExtendedButNeverOverlapsTheNext() throws {
        let segments = [
            SubtitleSegment(start: 0.0, end: 0.3, text: "Hi."),
            SubtitleSegment(start: 0.9, end: 7.0, text: "This one is long enough that the two cannot be merged into one."),
        ]
        let cues = try CueBuilder().cues(for: segments)
        XCTAssertEqual(cues.first?.text, "Hi.")
        XCTAssertEqual(cues.first?.end ?? 0, 0.9, accuracy: 1e-9, "extended towards 1 s, stopped by the next cue")
    }

    func testChineseSegmentMakesCuesWithinWidth() throws {
        let text = "我们今天要讨论的是如何在不影响质量的前提下提高系统的实时性能，并且让字幕读起来更加自然流畅。"
        let cues = try CueBuilder().cues(for: [SubtitleSegment(start: 10, end: 18, text: text)])
        XCTAssertGreaterThanOrEqual(cues.count, 2)
        XCTAssertEqual(cues.map { $0.lines.joined() }.joined(), text)
        for cue in cues { XCTAssertTrue(cue.lines.allSatisfy { CaptionText.width($0) <= 42 }, "\(cue.lines)") }
    }

    func testTooLongSingleWordIsClampedToSevenSeconds() throws {
        let cues = try CueBuilder().cues(for: [SubtitleSegment(start: 0, end: 12, text: "Hmmmm")])
        XCTAssertEqual(cues.count, 1)
        XCTAssertEqual(cues.first?.end ?? 0, 7, accuracy: 1e-9)
    }

    func testInvalidSegmentsAreRejectedWithTheirIndex() {
        XCTAssertThrowsError(try CueBuilder().cues(for: [SubtitleSegment(start: 0, end: 1, text: "ok"),
                                                         SubtitleSegment(start: 3, end: 2, text: "bad")])) { e in
            XCTAssertEqual(e as? StreamingError,
                           .invalidSegment(index: 1, start: 3, end: 2, reason: "end is before start; swap or fix the times"))
        }
        XCTAssertThrowsError(try CueBuilder().cues(for: [SubtitleSegment(start: .nan, end: 1, text: "x")]))
        XCTAssertThrowsError(try SubtitleWriter().render([SubtitleSegment(start: -1, end: 1, text: "x")], as: .json))
    }
}

final class SubtitleWriterTests: XCTestCase {
    let segments = [
        SubtitleSegment(start: 0.0, end: 2.5, text: " And so my fellow Americans,"),
        SubtitleSegment(start: 3.0, end: 3661.25, text: "ask not."),
    ]

    func testSRTNumberingAndTimestamps() throws {
        let srt = try SubtitleWriter().render([SubtitleSegment(start: 1, end: 2.5, text: "Ask not."),
                                               SubtitleSegment(start: 3, end: 4.0004, text: "What your")], as: .srt)
        XCTAssertEqual(srt, "1\n00:00:01,000 --> 00:00:02,500\nAsk not.\n\n2\n00:00:03,000 --> 00:00:04,000\nWhat your\n\n")
    }

    func testVTTHeaderAndTimestamps() throws {
        let vtt = try SubtitleWriter().render([SubtitleSegment(start: 61.5, end: 63, text: "Fish & <chips>")], as: .vtt)
        XCTAssertEqual(vtt, "WEBVTT\n\n00:01:01.500 --> 00:01:03.000\nFish &amp; &lt;chips>\n\n")
    }

    func testTimestampFormats() {
        XCTAssertEqual(SubtitleWriter.timestamp(3661.2345, ","), "01:01:01,235")
        XCTAssertEqual(SubtitleWriter.timestamp(0, "."), "00:00:00.000")
        XCTAssertEqual(SubtitleWriter.timestamp(360_000, "."), "100:00:00.000")
    }

    func testTextAndJSON() throws {
        XCTAssertEqual(try SubtitleWriter().render(segments, as: .txt), "And so my fellow Americans,\nask not.\n")
        let withWords = [SubtitleSegment(start: 0, end: 1, text: "say \"hi\"",
                                         words: [Word(text: "say", start: 0, end: 0.4), Word(text: "\"hi\"", start: 0.5, end: 1)])]
        let json = try SubtitleWriter().render(withWords, as: .json)
        XCTAssertEqual(json, #"{"segments":[{"start":0.000,"end":1.000,"text":"say \"hi\"","words":[{"word":"say","start":0.000,"end":0.400},{"word":"\"hi\"","start":0.500,"end":1.000}]}]}"# + "\n")
        let parsed = try JSONSerialization.jsonObject(with: Data(try SubtitleWriter().render(segments, as: .json).utf8))
        let list = try XCTUnwrap((parsed as? [String: Any])?["segments"] as? [[String: Any]])
        XCTAssertEqual(list.count, 2)
        XCTAssertEqual(list[1]["end"] as? Double, 3661.25)
    }

    func testFormatNames() throws {
        XCTAssertEqual(try SubtitleFormat(name: ".SRT"), .srt)
        XCTAssertEqual(try SubtitleFormat(name: "vtt"), .vtt)
        XCTAssertThrowsError(try SubtitleFormat(name: "ass")) { e in
            XCTAssertTrue("\(e)".contains("srt, vtt, txt, json"), "\(e)")
        }
    }
}
