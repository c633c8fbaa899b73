import XCTest
@testable import Streaming

/// The key-run matcher the three repeat rules share (`RepeatedTranscript.firstCopy`,
/// `LocalAgreement.repeatedLeadingWords`, `HallucinationGuard.repetitionLoop`).
final class KeyRunsTests: XCTestCase {
    private func runs(_ text: String) -> KeyRuns { KeyRuns(keys: text.split(separator: " ").map(String.init)) }

    func testKeysIgnoreCaseAndPunctuation() {
        let w = timed([("Home.", 0, 0.5), ("home", 0.5, 1)]).words
        XCTAssertTrue(KeyRuns(w).same(0, 1, length: 1))
    }

    func testSameComparesRunsInside() {
        let r = runs("a b c a b c d")
        XCTAssertTrue(r.same(0, 3, length: 3))
        XCTAssertFalse(r.same(0, 3, length: 4))
        XCTAssertFalse(r.same(4, 6, length: 2), "a run past the end is not equal")
        XCTAssertTrue(r.same(2, 2, length: 0))
    }

    func testCopiesCountsBackToBackRepeats() {
        let r = runs("x so we so we so we so we y")
        XCTAssertEqual(r.copies(at: 1, length: 2), 4)
        XCTAssertEqual(r.copies(at: 0, length: 2), 1)
        XCTAssertEqual(r.copies(at: 3, length: 2), 3)
        XCTAssertEqual(r.copies(at: 9, length: 2), 0, "out of range")
        XCTAssertEqual(r.copies(at: 0, length: 0), 0)
        XCTAssertEqual(runs("the the the the").copies(at: 0, length: 1), 4)
    }

    func testLeadingOverlapIsTheLongestRunInBounds() {
        let before = runs("and not busy sleeping")
        XCTAssertEqual(runs("not busy sleeping yes").leadingOverlap(with: before), 3)
        XCTAssertEqual(runs("sleeping yes").leadingOverlap(with: before), 1)
        XCTAssertEqual(runs("sleeping yes").leadingOverlap(with: before, minimum: 2), 0)
        XCTAssertEqual(runs("not busy sleeping yes").leadingOverlap(with: before, longest: 2), 0,
                       "a run longer than `longest` is not looked for")
        XCTAssertEqual(runs("yes").leadingOverlap(with: before), 0)
        XCTAssertEqual(runs("a").leadingOverlap(with: runs("")), 0)
        // The longest run wins over a shorter one ("b" alone also ends `before`).
        XCTAssertEqual(runs("a b a b c").leadingOverlap(with: runs("a b a b")), 4)
    }

    /// The three rules on the matcher, as before it.
    func testTheRulesOnTheMatcher() {
        let loop = HallucinationGuard.repetitionLoop(in: runs("i said thank you thank you thank you").keys, maxGram: 6)
        XCTAssertEqual(loop?.gram, "thank you")
        XCTAssertEqual(loop?.count, 3)
        XCTAssertNil(HallucinationGuard.repetitionLoop(in: runs("no no no yes").keys, maxGram: 6))
        let read = timed([("The", 0, 0.2), ("two", 0.2, 0.4), ("stray", 0.4, 0.6), ("kittens.", 0.6, 0.8),
                          ("The", 0.8, 1.0), ("two", 1.0, 1.2), ("stray", 1.2, 1.4), ("kittens", 1.4, 1.6)]).words
        XCTAssertEqual(RepeatedTranscript.firstCopy(read)?.map(\.text), ["The", "two", "stray", "kittens."])
        XCTAssertNil(RepeatedTranscript.firstCopy(Array(read.dropLast())))
    }
}
