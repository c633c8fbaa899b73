import TestSupport
import XCTest
@testable import Vision

/// The offline analyser end to end on a still photograph with synthetic audio, and the overlay.
final class FaceVideoAnalyzerTests: XCTestCase {
    func testStillPhotoWithSpeechIsNotSpeakingAndOverlayMarksTheFace() throws {
        let detector = try BlazeFaceDetector(contentsOf: try VisionFixtures.detectorPath)
        let mesh = try FaceMeshModel(contentsOf: try VisionFixtures.meshPath)
        let tracker = FaceTracker(detector: detector, landmarker: mesh, detectEvery: 5)
        // 2 s of 16-kHz "speech": a 200-Hz tone switched on and off in 150-ms syllables over a
        // quiet noise floor (the VAD measures loudness against the background)
        var rng = SeededRandom(state: 3)
        let noise = rng.floats(32_000, scale: 0.002)
        let audio = (0..<32_000).map { k -> Float in
            let t = Double(k) / 16_000
            return noise[k] + ((Int(t / 0.15) % 2 == 0) ? Float(0.3 * sin(2 * Double.pi * 200 * t)) : 0)
        }
        let analyzer = try FaceVideoAnalyzer(tracker: tracker, audio: audio)
        let photo = try VisionFixtures.image("obama.pgm")
        var results: [FaceFrameResult] = []
        for k in 0..<40 { results.append(try analyzer.process(photo, time: Double(k) / 20)) }
        XCTAssertTrue(results.allSatisfy { $0.faces.count == 1 && $0.faces[0].id == results[0].faces[0].id })
        XCTAssertTrue(results.contains { $0.voiced }, "the VAD hears the syllables")
        let maxP = results.flatMap { $0.faces.compactMap(\.speaking) }.max() ?? 1
        print("still photo with speech: max speaking probability \(maxP)")
        XCTAssertLessThan(maxP, 0.5, "a still face with speech audio (a television) is not speaking")
        XCTAssertNil(results.last?.speaker)

        var drawn = photo
        var marked = results[0]
        marked.speaker = marked.faces[0].id
        FaceOverlay.draw(marked, on: &drawn)
        let box = marked.faces[0].box
        XCTAssertEqual(drawn.pixels[Int(box[1]) * drawn.width + Int((box[0] + box[2]) / 2)], 255, "box top edge drawn")
        XCTAssertNotEqual(drawn, photo)
        let json = try JSONEncoder().encode(results[0])
        XCTAssertTrue(String(decoding: json, as: UTF8.self).contains("\"mouthOpenness\""))
    }

    /// Live audio (`addAudio` in 20-ms chunks before each frame, as `captionctl faces --device`
    /// does) gives the file path's voiced flags and speaking probabilities; no audio gives none.
    func testLiveAudioInChunksMatchesTheWholeFileAndNoAudioHasNoProbability() throws {
        func tracker() throws -> FaceTracker {
            FaceTracker(detector: try BlazeFaceDetector(contentsOf: try VisionFixtures.detectorPath),
                        landmarker: try FaceMeshModel(contentsOf: try VisionFixtures.meshPath), detectEvery: 5)
        }
        var rng = SeededRandom(state: 5)
        let noise = rng.floats(16_000, scale: 0.002)
        let audio = (0..<16_000).map { k -> Float in
            let t = Double(k) / 16_000
            return noise[k] + ((Int(t / 0.15) % 2 == 1) ? Float(0.3 * sin(2 * Double.pi * 180 * t)) : 0)
        }
        let whole = try FaceVideoAnalyzer(tracker: try tracker(), audio: audio)
        let live = try FaceVideoAnalyzer(tracker: try tracker(), liveAudioSampleRate: 16_000)
        let silent = try FaceVideoAnalyzer(tracker: try tracker(), audio: nil)
        let photo = try VisionFixtures.image("obama.pgm")
        var fed = 0
        for k in 0..<20 {
            let time = Double(k) / 20
            while Double(fed) / 16_000 <= time, fed < audio.count {
                live.addAudio(Array(audio[fed..<min(fed + 320, audio.count)]), startTime: Double(fed) / 16_000)
                fed += 320
            }
            let a = try whole.process(photo, time: time), b = try live.process(photo, time: time), c = try silent.process(photo, time: time)
            XCTAssertEqual(a.voiced, b.voiced, "frame \(k)")
            XCTAssertEqual(a.faces.map(\.speaking), b.faces.map(\.speaking), "frame \(k)")
            XCTAssertTrue(a.faces.allSatisfy { $0.speaking != nil })
            XCTAssertTrue(c.faces.allSatisfy { $0.speaking == nil }, "no audio, no speaking probability")
        }
    }
}
