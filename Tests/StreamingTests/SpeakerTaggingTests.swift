import XCTest
import CaptionCore
@testable import Streaming
import Vision

/// A speaker activity whose decisions the test writes (the tagging logic, without camera models).
final class ScriptedSpeaker: SpeakerActivity {
    var timeline = SpeakerTimeline()
    func accept(frame: VideoFrame) {}
    func accept(audio samples: ArraySlice<Float>, start: Double, end: Double, voiced: Bool) {}
    func speaker(from start: Double, to end: Double) -> CaptionSpeaker? { timeline.speaker(from: start, to: end) }
    func faceSpoke(from start: Double, to end: Double) -> FaceSpoke { timeline.faceSpoke(from: start, to: end) }
    var judgedUntil: Double { timeline.horizon }
    var skippedFrames: Int { 0 }
    var status: VideoAnalysisStatus { VideoAnalysisStatus() }

    /// Decisions every 40 ms over [from, to): face `face` speaking (nil: nobody), voiced, with video.
    func add(from: Double, to: Double, face: Int?, video: Bool = true) {
        var t = from
        while t < to - 1e-9 {
            timeline.append(.init(time: t, voiced: true, video: video, face: face, box: face.map { _ in [10, 20, 110, 140] }))
            t += 0.04
        }
    }
}

final class SpeakerTaggingTests: XCTestCase {
    func word(_ text: String, _ start: Double, _ end: Double) -> Word {
        Word(text: text, start: start, end: end, endsSegment: false, probability: 0.9)
    }

    func final(_ words: [Word], utterance: Int = 1) -> StreamingEvent {
        let text = CaptionText.join(words.map(\.text))
        return StreamingEvent(kind: .final, utterance: utterance, text: text, stable: text, start: words.first?.start ?? 0,
                              end: words.last?.end ?? 0, lang: "en", words: words)
    }

    func testTagLabelsTheSpeakingFaceOrOffCameraAndKeepsEveryWord() throws {
        let cam = ScriptedSpeaker()
        cam.add(from: 0, to: 3, face: 7)       // face 7 speaks for 3 s
        cam.add(from: 3, to: 6, face: nil)     // then a voice with no speaking face
        var tagging = SpeakerTagging(gate: .tag, activity: cam)
        let a = final([word("hello", 0.2, 0.6), word("there", 0.7, 1.2)])
        guard case .final(let f1)? = tagging.caption(a, lang: "en") else { return XCTFail() }
        XCTAssertEqual(f1.speaker, .face(id: 7, box: [10, 20, 110, 140]))
        XCTAssertEqual(f1.text, "hello there")
        let b = final([word("from", 3.5, 3.9), word("television", 4.0, 4.8)], utterance: 2)
        guard case .final(let f2)? = tagging.caption(b, lang: "en") else { return XCTFail() }
        XCTAssertEqual(f2.speaker, .offCamera)
        XCTAssertEqual(f2.text, "from television", "tag never drops words")
        // Without video over the span: no speaker.
        let c = final([word("later", 10, 10.5)], utterance: 3)
        guard case .final(let f3)? = tagging.caption(c, lang: "en") else { return XCTFail() }
        XCTAssertNil(f3.speaker)
    }

    func testStrictKeepsOnlyWordsAFaceOnCameraSpoke() throws {
        let cam = ScriptedSpeaker()
        cam.add(from: 0, to: 2, face: 3)
        cam.add(from: 2, to: 6, face: nil)
        var tagging = SpeakerTagging(gate: .strict, activity: cam)
        let e = final([word("on", 0.5, 0.8), word("camera", 0.9, 1.6), word("off", 3.5, 3.9), word("camera", 4.0, 4.6)])
        guard case .final(let f)? = tagging.caption(e, lang: "en") else { return XCTFail() }
        XCTAssertEqual(f.text, "on camera")
        XCTAssertEqual(f.words.map(\.word), ["on", "camera"])
        // An utterance that is all off camera (and never shown) is not captioned at all.
        let tv = final([word("news", 4.0, 4.5), word("tonight", 4.6, 5.2)], utterance: 2)
        XCTAssertNil(tagging.caption(tv, lang: "en"))
    }

    func testStrictPartialsWaitForTheCameraAndNeverReviseStable() throws {
        let cam = ScriptedSpeaker()
        var tagging = SpeakerTagging(gate: .strict, activity: cam)
        let words = [word("one", 0.2, 0.5), word("two", 0.6, 0.9), word("three", 1.0, 1.4)]
        func partial(_ n: Int, committed: Int) -> StreamingEvent {
            StreamingEvent(kind: .partial, utterance: 1, text: CaptionText.join(words.prefix(n).map(\.text)),
                           stable: CaptionText.join(words.prefix(committed).map(\.text)), start: 0.2, end: words[n - 1].end,
                           lang: "en", words: Array(words.prefix(n)))
        }
        cam.add(from: 0, to: 0.8, face: 1)
        XCTAssertNil(tagging.caption(partial(2, committed: 1), lang: "en"), "nothing judged up to 0.5 s after the first word yet")
        cam.add(from: 0.8, to: 1.2, face: 1)
        guard case .partial(let p1)? = tagging.caption(partial(2, committed: 1), lang: "en") else { return XCTFail() }
        XCTAssertEqual(p1.text, "one")          // "two" ends at 0.9: judged only up to 1.2 < 1.4
        XCTAssertEqual(p1.stable, "one")
        cam.add(from: 1.2, to: 2.2, face: 1)
        guard case .partial(let p2)? = tagging.caption(partial(3, committed: 2), lang: "en") else { return XCTFail() }
        XCTAssertEqual(p2.text, "one two three")
        XCTAssertEqual(p2.stable, "one two")
        XCTAssertTrue(p2.stable.hasPrefix(p1.stable))
    }

    func testOffAndNoCameraPassEventsUnchanged() throws {
        let cam = ScriptedSpeaker()
        cam.add(from: 0, to: 3, face: nil)
        let e = final([word("hello", 0.2, 0.6)])
        for var tagging in [SpeakerTagging(gate: .off, activity: cam), SpeakerTagging(gate: .strict, activity: nil)] {
            guard case .final(let f)? = tagging.caption(e, lang: "en") else { return XCTFail() }
            XCTAssertEqual(f.text, "hello")
            XCTAssertNil(f.speaker)
        }
    }

    func testTimelineAnswersUndecidedBeyondItsHorizonAndNoVideoWithoutFrames() {
        var t = SpeakerTimeline()
        t.append(.init(time: 1, voiced: true, video: false))
        t.append(.init(time: 2, voiced: true, video: true))
        XCTAssertEqual(t.faceSpoke(from: 0, to: 1.5), .noVideo)
        XCTAssertEqual(t.faceSpoke(from: 1.5, to: 2), .no)
        XCTAssertEqual(t.faceSpoke(from: 1.5, to: 2.5), .undecided)
        XCTAssertNil(t.speaker(from: 0, to: 1.5))
        XCTAssertEqual(t.speaker(from: 0, to: 2), .offCamera)
    }
}

/// FaceSpeakerActivity's frame budget and status, with a detector that finds nothing.
final class FaceSpeakerActivityRateTests: XCTestCase {
    final class NoFaces: FaceDetecting { func detect(_ image: GreyImage) throws -> [FaceDetection] { [] } }
    final class NoMarks: LandmarkEstimating {
        func landmarks(_ image: GreyImage, roi: RotatedRect) throws -> FaceLandmarks {
            throw VisionError.badInput(what: "landmarks", reason: "never called without a face")
        }
    }

    func testFramesAreAnalysedAtMostAtTheAnalysisRateAndBadFramesAreCounted() {
        var settings = VideoAnalysisSettings()
        settings.enabled = true
        settings.analysisFps = 15
        let a = FaceSpeakerActivity(tracker: FaceTracker(detector: NoFaces(), landmarker: NoMarks()), settings: settings)
        for i in 0..<90 {   // 3 s of a 30-fps camera, with audio alongside
            let t = 10 + Double(i) / 30
            a.accept(frame: VideoFrame(width: 32, height: 24, luma: [UInt8](repeating: 90, count: 32 * 24), timestamp: t, sequence: UInt64(i)))
            a.accept(audio: [Float](repeating: 0.1, count: 533)[...], start: t, end: t + 1.0 / 30, voiced: true)
        }
        let s = a.status
        XCTAssertEqual(s.cameraFps, 30, accuracy: 0.5)
        XCTAssertEqual(s.analysisFps, 15, accuracy: 0.5, "every 2nd frame of a 30-fps camera")
        XCTAssertEqual(s.facesInView, 0)
        XCTAssertNil(s.speakingFace)
        XCTAssertEqual(a.speaker(from: 10.5, to: 12), .offCamera, "speech with no face in view is off camera")
        XCTAssertEqual(a.faceSpoke(from: 10.5, to: 12), .no)
        a.accept(frame: VideoFrame(width: 32, height: 24, luma: [1, 2, 3], timestamp: 13.1, sequence: 90))
        XCTAssertEqual(a.skippedFrames, 1, "a malformed frame is counted, not analysed")
        settings.analysisFps = 12   // the default: every 2nd or 3rd frame of a 30-fps camera
        let b = FaceSpeakerActivity(tracker: FaceTracker(detector: NoFaces(), landmarker: NoMarks()), settings: settings)
        for i in 0..<90 {
            b.accept(frame: VideoFrame(width: 32, height: 24, luma: [UInt8](repeating: 90, count: 32 * 24),
                                       timestamp: 10 + Double(i) / 30, sequence: UInt64(i)))
        }
        XCTAssertEqual(b.status.analysisFps, 12, accuracy: 0.7)
    }
}
