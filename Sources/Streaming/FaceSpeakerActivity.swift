import CaptionCore
import Foundation
import Vision

/// The camera's speaker for live captions: Vision's `FaceTracker` on the frames (at most
/// `analysisFps` of them per second; the rest are skipped to stay within the CPU budget) and its
/// `SpeakingScorer` fed with the lip openness per face and the audio envelope and VAD per 20-ms
/// frame. Every `step` seconds of audio it records which face (if any) speaks with probability
/// ≥ `threshold` in a `SpeakerTimeline`; captions are labelled from that timeline.
public final class FaceSpeakerActivity: SpeakerActivity {
    public let tracker: FaceTracker
    public let settings: VideoAnalysisSettings
    /// Speaking probability at which a face counts as the speaker.
    public var threshold: Float = 0.5
    /// Without an analysed frame for this long, the camera has no opinion.
    public var stale = 1.0
    /// Seconds of audio between decisions.
    public var step = 0.04
    public private(set) var timeline = SpeakerTimeline()
    public private(set) var skippedFrames = 0

    private var scorer = SpeakingScorer()
    private var faces: [TrackedFace] = []
    private var lastAnalysed = -Double.infinity
    private var nextDue = -Double.infinity
    private var nextDecision = -Double.infinity
    private var recentVoiced: [(t: Double, voiced: Bool)] = []
    private var received: [Double] = []     // frame times, last 2 s
    private var analysed: [Double] = []
    private var lastFace: Int?
    private var analysedPerFace: [Int: Int] = [:]
    /// Lip samples of a new track skipped while its landmark region converges (the first region
    /// comes from the detector, the next from the landmarks: the openness jumps between them, which
    /// read as a moving mouth — a still face judged speaking at the start of speech).
    public var settleFrames = 3

    public init(tracker: FaceTracker, settings: VideoAnalysisSettings) {
        self.tracker = tracker
        self.settings = settings
        tracker.detectEvery = max(1, settings.detectEvery)
        tracker.landmarkEvery = 1
    }

    /// Loads BlazeFace and FaceMesh from `directory` (`<models>/faces`, scripts/fetch-models faces).
    public convenience init(modelsDirectory directory: String, settings: VideoAnalysisSettings) throws {
        let detectorPath = (directory as NSString).appendingPathComponent("face_detection_short_range.tflite")
        let meshPath = (directory as NSString).appendingPathComponent("face_landmark.tflite")
        for path in [detectorPath, meshPath] where !FileManager.default.fileExists(atPath: path) {
            throw StreamingError.invalidConfiguration(parameter: "video.gate", value: settings.gate.rawValue,
                reason: "the face models are missing (\(path)): run `scripts/fetch-models faces`, or set video.gate = \"off\"")
        }
        let tracker = FaceTracker(detector: try BlazeFaceDetector(contentsOf: detectorPath),
                                  landmarker: try FaceMeshModel(contentsOf: meshPath))
        self.init(tracker: tracker, settings: settings)
    }

    public func accept(frame: VideoFrame) {
        let t = frame.timestamp
        received.append(t)
        trimRates(now: t)
        // Analyse at most analysisFps frames per second on average (12 of a 30-fps camera's
        // frames: every 2nd or 3rd), with a little tolerance for timestamp jitter; no catching up
        // after a gap.
        let period = 1 / max(settings.analysisFps, 0.1)
        guard t >= nextDue - min(0.005, period / 10) else { return }
        nextDue = max(nextDue, t - period) + period
        do {
            let image = try GreyImage(width: frame.width, height: frame.height, pixels: frame.luma)
            faces = try tracker.process(image)
        } catch {
            skippedFrames += 1
            return
        }
        lastAnalysed = t
        analysed.append(t)
        let ids = Set(faces.map(\.id))
        scorer.retain(faces: ids)
        analysedPerFace = analysedPerFace.filter { ids.contains($0.key) }
        for f in faces {
            analysedPerFace[f.id, default: 0] += 1
            if analysedPerFace[f.id, default: 0] > settleFrames { scorer.addMouth(face: f.id, time: t, openness: f.mouthOpenness) }
        }
    }

    public func accept(audio samples: ArraySlice<Float>, start: Double, end: Double, voiced: Bool) {
        var energy: Float = 0
        for s in samples { energy += s * s }
        energy /= Float(max(samples.count, 1))
        let t = (start + end) / 2
        scorer.addAudio(time: t, energy: energy, voiced: voiced)
        recentVoiced.append((t, voiced))
        if recentVoiced.count > 64 { recentVoiced.removeFirst(recentVoiced.count - 32) }
        guard t >= nextDecision else { return }
        nextDecision = t + step * 0.99
        decide(at: t, voiced: voiced)
    }

    private func decide(at t: Double, voiced: Bool) {
        let video = t - lastAnalysed <= stale
        var speaker: TrackedFace?
        // p needs voiced audio in the last `vadWindow` seconds: skip the scoring in silence.
        let recentSpeech = recentVoiced.contains { $0.voiced && $0.t > t - scorer.vadWindow }
        if video && recentSpeech {
            var best: Float = 0
            for f in faces {
                let p = scorer.estimate(face: f.id, at: t).probability
                if p >= threshold && p > best { best = p; speaker = f }
            }
        }
        lastFace = speaker?.id
        let box = speaker.map { [Double($0.box.xmin), Double($0.box.ymin), Double($0.box.xmax), Double($0.box.ymax)] }
        timeline.append(.init(time: t, voiced: voiced, video: video, face: speaker?.id, box: box))
    }

    public func speaker(from start: Double, to end: Double) -> CaptionSpeaker? { timeline.speaker(from: start, to: end) }

    public func faceSpoke(from start: Double, to end: Double) -> FaceSpoke { timeline.faceSpoke(from: start, to: end) }

    public var judgedUntil: Double { timeline.horizon }

    private func trimRates(now: Double) {
        while let f = received.first, now - f > 2 { received.removeFirst() }
        while let f = analysed.first, now - f > 2 { analysed.removeFirst() }
    }

    public var status: VideoAnalysisStatus {
        let fresh = timeline.horizon - lastAnalysed <= stale || received.last.map { $0 - lastAnalysed <= stale } == true
        func rate(_ xs: [Double]) -> Double {
            guard xs.count >= 2, let a = xs.first, let b = xs.last, b > a else { return 0 }
            return Double(xs.count - 1) / (b - a)
        }
        return VideoAnalysisStatus(facesInView: fresh ? faces.count : 0, speakingFace: fresh ? lastFace : nil,
                                   analysisFps: rate(analysed), cameraFps: rate(received))
    }
}
