import Foundation
import TestSupport
import XCTest
@testable import Vision

/// Scene cuts end face tracks: synthetic cut sequences built from the face photographs (a face
/// moving within one scene, then a different face in its place).
final class SceneCutTests: XCTestCase {
    /// A 320×288 camera frame with `photo` in it (`VisionFixtures.frame`).
    private func frame(_ photo: GreyImage, dx: Int = 0, dy: Int = 0, brightness: Int = 0) throws -> GreyImage {
        try VisionFixtures.frame(photo, width: 320, height: 288, dx: dx, dy: dy, brightness: brightness)
    }

    func testCutDetectorTellsCutsFromMotionAndLighting() throws {
        let obama = try VisionFixtures.image("obama.pgm"), biden = try VisionFixtures.image("biden.pgm")
        var detector = SceneCutDetector()
        var seen: [Bool] = []
        // one scene: the face moving 3 px right and 1 px down per frame, then 20 grey levels brighter
        for k in 0..<6 { seen.append(detector.isCut(try frame(obama, dx: 3 * k, dy: k))) }
        seen.append(detector.isCut(try frame(obama, dx: 15, dy: 5, brightness: 20)))
        XCTAssertEqual(seen, [false, false, false, false, false, false, false], "motion and a lighting step are not cuts")
        XCTAssertLessThan(detector.lastDifference, detector.meanDifference)
        // a different face in its place
        XCTAssertTrue(detector.isCut(try frame(biden, dx: 15, dy: 5)))
        print("scene cut: obama -> biden: thumbnail difference \(detector.lastDifference)")
        XCTAssertFalse(detector.isCut(try frame(biden, dx: 15, dy: 5)), "the same picture again")
        // a change of size is a new scene; reset forgets the previous frame
        XCTAssertTrue(detector.isCut(obama))
        detector.reset()
        XCTAssertFalse(detector.isCut(try frame(biden)))
    }

    /// The corpus "television" case: a still face, cut to another still face at about the same place
    /// (the photographs' faces are at x 82–139 and 88–137).
    /// The face after the cut gets a new id (its lip history starts again); without the cut
    /// detector the tracker carries the old id over, which is what read the cut as lip motion.
    func testTrackerGivesTheFaceAfterACutANewId() throws {
        let detectorModel = try BlazeFaceDetector(contentsOf: try VisionFixtures.detectorPath)
        let mesh = try FaceMeshModel(contentsOf: try VisionFixtures.meshPath)
        let obama = try VisionFixtures.image("obama.pgm"), astronaut = try VisionFixtures.image("astronaut.pgm")
        func ids(cutDetection: Bool) throws -> [Int] {
            let tracker = FaceTracker(detector: detectorModel, landmarker: mesh, detectEvery: 6)
            if !cutDetection { tracker.cutDetector = nil }
            var out: [Int] = []
            for k in 0..<8 {
                let faces = try tracker.process(try frame(k < 4 ? obama : astronaut, dx: 10))
                XCTAssertEqual(faces.count, 1, "frame \(k)")
                out.append(faces.first?.id ?? -1)
            }
            XCTAssertEqual(tracker.cuts, cutDetection ? 1 : 0)
            return out
        }
        let withCuts = try ids(cutDetection: true)
        XCTAssertEqual(Set(withCuts[0..<4]).count, 1, "one id before the cut: \(withCuts)")
        XCTAssertEqual(Set(withCuts[4..<8]).count, 1, "one id after the cut: \(withCuts)")
        XCTAssertNotEqual(withCuts[3], withCuts[4], "a new id after the cut: \(withCuts)")
        let without = try ids(cutDetection: false)
        XCTAssertEqual(Set(without).count, 1, "without cut detection the old id carries over: \(without)")
    }
}
