import CaptionCore
import Foundation
import Vision

/// The camera's speaker for live captions: Vision's `FaceTracker` on the frames (at most
/// `analysisFps` of them per second; the rest are skipped to stay within the CPU budget) and its
/// `SpeakingScorer` fed with the lip openness per face and the audio envelope and VAD per 20-ms
/// frame. Every `step` seconds of audio it records which face (if any) speaks with probability
/// ≥ `threshold` in a `SpeakerTimeline`; captions are labelled from that timeline.
///
/// The tracker runs in a `FaceAnalysisQueue`: on its own thread when `threaded` (the daemon: the
/// camera's capture thread submits frames through `frameSink` as it delivers them, so a long decode
/// on the pipeline thread neither stalls the analysis nor makes the camera drop frames), else inside
/// `accept(frame:)`. The results are merged with the audio in capture-clock order: a decision at
/// audio time t waits until every frame submitted up to t has its result, unless the analysis has
/// nothing pending (then the camera simply has no newer frame yet).
public final class FaceSpeakerActivity: SpeakerActivity {
    public let tracker: FaceTracker
    public let analysis: FaceAnalysisQueue
    public let settings: VideoAnalysisSettings
    /// Speaking probability at which a face counts as the speaker.
    public var threshold: Float = 0.5
    /// Without an analysed frame for this long, the camera has no opinion.
    public var stale = 1.0
    /// Seconds of audio between decisions.
    public var step = 0.04
    public private(set) var timeline = SpeakerTimeline()
    /// Frames dropped because the analysis fell behind, and frames it could not read.
    public var skippedFrames: Int { analysis.dropped + analysis.malformed }

    private var scorer = SpeakingScorer()
    private var faces: [TrackedFace] = []
    private var lastAnalysed = -Double.infinity
    private var results: [FaceAnalysisQueue.Result] = []   // collected, not yet merged
    private var analysedUntil = -Double.infinity            // time of the last result collected
    private var waiting: [(t: Double, energy: Float, voiced: Bool)] = []   // audio frames not yet merged
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
    /// A mouth whose crop changed by less than this (mean grey levels) since the previous
    /// analysed frame did not move: its openness is held at the previous value, so landmark jitter
    /// on a still picture (a television, a photograph: the landmark region oscillates between
    /// frames and moved the openness by up to 0.1) does not read as lip motion.
    public var stillMouth: Float = 1.5
    private var lastOpenness: [Int: Float] = [:]

    public init(tracker: FaceTracker, settings: VideoAnalysisSettings, threaded: Bool = false) {
        self.tracker = tracker
        self.settings = settings
        tracker.detectEvery = max(1, settings.detectEvery)
        tracker.trackedDetectEvery = max(tracker.detectEvery, settings.trackedDetectEvery)
        tracker.landmarkEvery = 1
        analysis = FaceAnalysisQueue(tracker: tracker, analysisFps: settings.analysisFps, threaded: threaded)
    }

    deinit { analysis.stop() }

    /// Stops the analysis thread and waits for the frame it is on (the daemon's shutdown).
    public func stopBackgroundWork() { analysis.stop() }

    /// Where another thread hands camera frames as they arrive (the daemon's capture thread), when
    /// the analysis runs on its own thread.
    public var frameSink: VideoFrameSink? { analysis.threaded ? analysis : nil }

    /// Loads BlazeFace and FaceMesh from `directory` (`<models>/faces`, scripts/fetch-models faces).
    public convenience init(modelsDirectory directory: String, settings: VideoAnalysisSettings, threaded: Bool = false) throws {
        let detectorPath = (directory as NSString).appendingPathComponent("face_detection_short_range.tflite")
        let meshPath = (directory as NSString).appendingPathComponent("face_landmark.tflite")
        for path in [detectorPath, meshPath] where !FileManager.default.fileExists(atPath: path) {
            throw StreamingError.invalidConfiguration(parameter: "video.gate", value: settings.gate.rawValue,
                reason: "the face models are missing (\(path)): run `scripts/fetch-models faces`, or set video.gate = \"off\"")
        }
        let tracker = FaceTracker(detector: try BlazeFaceDetector(contentsOf: detectorPath),
                                  landmarker: try FaceMeshModel(contentsOf: meshPath))
        self.init(tracker: tracker, settings: settings, threaded: threaded)
    }

    public func accept(frame: VideoFrame) {
        analysis.submit(frame)   // ignored when the capture thread already submitted it
        merge()
    }

    /// One analysed (or passed) frame, in time order: the faces and their lip samples.
    private func take(_ r: FaceAnalysisQueue.Result) {
        guard r.analysed else { return }
        let t = r.time
        faces = r.faces
        lastAnalysed = t
        let ids = Set(faces.map(\.id))
        scorer.retain(faces: ids)
        analysedPerFace = analysedPerFace.filter { ids.contains($0.key) }
        lastOpenness = lastOpenness.filter { ids.contains($0.key) }
        for f in faces {
            analysedPerFace[f.id, default: 0] += 1
            var openness = f.mouthOpenness
            if let change = r.mouthChange[f.id], change < stillMouth, let held = lastOpenness[f.id] { openness = held }
            lastOpenness[f.id] = openness
            if analysedPerFace[f.id, default: 0] > settleFrames { scorer.addMouth(face: f.id, time: t, openness: openness) }
        }
    }

    public func accept(audio samples: ArraySlice<Float>, start: Double, end: Double, voiced: Bool) {
        var energy: Float = 0
        for s in samples { energy += s * s }
        energy /= Float(max(samples.count, 1))
        waiting.append(((start + end) / 2, energy, voiced))
        merge()
    }

    /// Merges analysis results and audio frames in time order: each audio frame is taken (and
    /// decided on) once every frame up to its time has a result, or the analysis is idle.
    private func merge() {
        let idle = !analysis.isBehind   // before collecting: idle then means every result is collected
        let more = analysis.collect()
        if let last = more.last { analysedUntil = last.time }
        // The rates count frames as the analysis returns them, whether or not audio has caught up
        // with them yet (a camera with no audio still reports its rates).
        for r in more {
            received.append(r.time)
            if r.analysed { analysed.append(r.time) }
            trimRates(now: r.time)
        }
        results += more
        var used = 0
        var heard = 0
        for a in waiting {
            guard a.t <= analysedUntil || idle else { break }
            while used < results.count && results[used].time <= a.t { take(results[used]); used += 1 }
            hear(a.t, energy: a.energy, voiced: a.voiced)
            heard += 1
        }
        waiting.removeFirst(heard)
        // Results ahead of the audio wait for it, but not without end (video with no audio).
        while results.count - used > 256 { take(results[used]); used += 1 }
        results.removeFirst(used)
    }

    private func hear(_ t: Double, energy: Float, voiced: Bool) {
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
