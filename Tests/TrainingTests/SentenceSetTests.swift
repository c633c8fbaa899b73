import Foundation
import TestSupport
import Models
import XCTest
@testable import Training

/// The open English set (Debian fortunes-min) and the Mandarin set (Tang poem lines with pypinyin's
/// tone-numbered pinyin, `scripts/mandarin-pinyin`; a 300-line sample is in Tests/Fixtures).
final class SentenceSetTests: XCTestCase {
    private func tempDir(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "captiond-sets-\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: path)
        return path
    }

    private func bytes(_ root: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let walker = FileManager.default.enumerator(atPath: root)
        while let rel = walker?.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + rel, isDirectory: &isDir), !isDir.boolValue {
                out[rel] = try Data(contentsOf: URL(fileURLWithPath: root + "/" + rel))
            }
        }
        return out
    }

    func testFortuneFilesSplitIntoNormalisedSentences() {
        let file = """
        A day for firm decisions!!!!!  Or is it?
        %
        Don't look back -- something might be gaining on you.
        \t\t-- Satchel Paige
        %
        It was 1984 and the clocks were striking thirteen.
        %
        Too short.
        """
        XCTAssertEqual(SentenceSet.openSentences(in: file),
                       ["a day for firm decisions", "don't look back something might be gaining on you"])
    }

    func testOpenEnglishSetFromFortunesMin() throws {
        let set: SentenceSet
        do { set = try .openEnglish() } catch {
            throw RequiredFixtures.missing("fortunes-min is not installed (scripts/setup-deps): \(error)")
        }
        XCTAssertGreaterThan(set.sentences.count, 300)
        XCTAssertEqual(Set(set.sentences.map(\.text)).count, set.sentences.count)
        for s in set.sentences { XCTAssertNoThrow(try AVVocabulary.english.labels(s.text), s.text) }
        let plan = CorpusPlan(seed: 1, sentences: set)
        for split in CorpusSplit.allCases { XCTAssertGreaterThan(plan.sentenceCount(split), 10, "\(split)") }
        // Held out: no test or validation sentence is a training sentence.
        let train = Set((0..<200).map { plan.draw(split: .train, index: $0).sentence.text })
        for split in [CorpusSplit.validation, .test] {
            XCTAssertTrue(train.isDisjoint(with: (0..<50).map { plan.draw(split: split, index: $0).sentence.text }))
        }
        // Deterministic by seed: two runs write the same bytes.
        let config = CorpusConfiguration(seed: 3, trainClips: 1, validationClips: 0, testClips: 1)
        let a = tempDir("open-a"), b = tempDir("open-b")
        defer { for d in [a, b] { try? FileManager.default.removeItem(atPath: d) } }
        try CorpusGenerator(configuration: config, babble: nil, sentences: set).write(to: a)
        try CorpusGenerator(configuration: config, babble: nil, sentences: set).write(to: b)
        let fa = try bytes(a), fb = try bytes(b)
        XCTAssertEqual(fa.count, fb.count)
        for (name, data) in fa { XCTAssertTrue(data == fb[name], "\(name) differs between two runs") }
        let entries = try CorpusReader.manifest(a)
        XCTAssertEqual(entries.map(\.sentenceSet), ["open", "open"])
        XCTAssertTrue(set.sentences.map(\.text).contains(entries[0].text))
        XCTAssertNoThrow(try CorpusReader.example(entries[0], in: a))
    }

    func testMandarinSetSpeaksPinyinAndKeepsTheCharacters() throws {
        let path = TestPaths.fixtures.appendingPathComponent("mandarin-pinyin-sample.tsv").path
        let set = try SentenceSet.mandarin(pinyinFile: path)
        XCTAssertEqual(set.sentences.count, 300)
        XCTAssertEqual(set.language, "zh")
        XCTAssertEqual(set.sentences[0].text, "兰叶春葳蕤")
        XCTAssertEqual(set.sentences[0].spoken, "lan2 ye4 chun1 wei1 rui2")
        let config = CorpusConfiguration(seed: 5, trainClips: 1, validationClips: 0, testClips: 1)
        let a = tempDir("zh-a"), b = tempDir("zh-b")
        defer { for d in [a, b] { try? FileManager.default.removeItem(atPath: d) } }
        try CorpusGenerator(configuration: config, babble: nil, sentences: set).write(to: a)
        try CorpusGenerator(configuration: config, babble: nil, sentences: set).write(to: b)
        let fa = try bytes(a), fb = try bytes(b)
        for (name, data) in fa { XCTAssertTrue(data == fb[name], "\(name) differs between two runs") }
        let entries = try CorpusReader.manifest(a)
        XCTAssertEqual(entries.count, 2)
        for e in entries {
            XCTAssertEqual(e.language, "zh")
            XCTAssertTrue(e.voice.hasPrefix("cmn-latn-pinyin"))
            let pinyin = try XCTUnwrap(e.pinyin)
            XCTAssertEqual(set.sentences.first { $0.text == e.text }?.spoken, pinyin)
            XCTAssertGreaterThan(e.audioSamples, 16_000 / 2, "\(e.text) (\(pinyin)) is shorter than 0.5 s")
            let alignment = try JSONDecoder().decode(ClipAlignment.self, from: Data(contentsOf: URL(fileURLWithPath: a + "/" + e.alignment)))
            XCTAssertGreaterThanOrEqual(alignment.phonemes.count, e.text.count, "espeak-ng spoke every syllable")
        }
        // Held-out splits: test variants differ from training's.
        let plan = CorpusPlan(seed: 5, sentences: set)
        XCTAssertTrue(Set((0..<40).compactMap { plan.draw(split: .train, index: $0).style.variant })
            .isDisjoint(with: (0..<40).compactMap { plan.draw(split: .test, index: $0).style.variant }))
    }

    func testBadPinyinFilesAreRefusedWithTheLine() throws {
        let path = tempDir("bad") + ".tsv"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "兰叶春葳蕤\tlan ye chun wei rui\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SentenceSet.mandarin(pinyinFile: path)) { XCTAssertTrue("\($0)".contains("line 1"), "\($0)") }
        XCTAssertThrowsError(try SentenceSet.mandarin(pinyinFile: path + ".missing")) {
            XCTAssertTrue("\($0)".contains("scripts/mandarin-pinyin"), "\($0)")
        }
        // A set too small for a split asked for is refused before anything is written.
        let tiny = SentenceSet(kind: .open, sentences: [CorpusSentence(text: "one two three four", spoken: "one two three four")])
        XCTAssertThrowsError(try CorpusGenerator(configuration: CorpusConfiguration(seed: 1, trainClips: 1, validationClips: 1, testClips: 1),
                                                 babble: nil, sentences: tiny))
    }
}
