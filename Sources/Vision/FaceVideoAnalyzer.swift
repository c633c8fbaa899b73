import CaptionCore
import Features
import Foundation

/// One face in one analysed frame (what `captionctl faces` prints).
public struct FaceFrameFace: Codable, Sendable {
    public var id: Int
    /// xmin, ymin, xmax, ymax in frame pixels.
    public var box: [Float]
    public var score: Float
    public var mouthOpenness: Float
    /// Speaking probability; nil (absent from JSON) without audio.
    public var speaking: Float?
    /// Lip points 13, 14, 78, 308 as [x, y].
    public var lips: [[Float]]
}

/// One analysed frame: faces, the speaking face (if any) and the per-stage cost.
public struct FaceFrameResult: Codable, Sendable {
    public var frame: Int
    public var time: Double
    public var faces: [FaceFrameFace]
    /// Id of the face judged to be speaking (probability ≥ 0.5), nil when none.
    public var speaker: Int?
    public var voiced: Bool
    public var detectMs: Double
    public var landmarksMs: Double
    public var speakingMs: Double
}

/// Analysis of a video (+ optional 16-kHz audio): the tracker per frame, the audio envelope and
/// VAD per 10 ms fed to the `SpeakingScorer` up to each frame's time. The audio is either a whole
/// file given at init, or live (`init(tracker:liveAudioSampleRate:)`): chunks on the frames' clock
/// handed to `addAudio` before the frames they precede.
public final class FaceVideoAnalyzer {
    public let tracker: FaceTracker
    public private(set) var scorer = SpeakingScorer()
    private var audioFrames: [(t: Double, energy: Float, voiced: Bool)] = []
    private var audioNext = 0
    private var frameIndex = 0
    public let hasAudio: Bool
    private let sampleRate: Int
    /// Live audio: the VAD and the samples it has not framed yet (from `liveStart`).
    private var liveVAD: VoiceActivityDetector?
    private var liveSamples: [Float] = []
    private var liveStart = 0.0

    static func vad(sampleRate: Int) throws -> VoiceActivityDetector {
        var config = VoiceActivityDetector.Configuration()
        config.sampleRate = sampleRate
        config.frameMilliseconds = 10
        return try VoiceActivityDetector(configuration: config)
    }

    /// Live audio: none yet; `addAudio` brings it as it is captured.
    public init(tracker: FaceTracker, liveAudioSampleRate sampleRate: Int) throws {
        self.tracker = tracker
        self.sampleRate = sampleRate
        hasAudio = true
        liveVAD = try Self.vad(sampleRate: sampleRate)
    }

    /// Live audio samples captured from `startTime` (seconds, the frames' clock); chunks in
    /// order. A chunk that does not follow the previous one restarts the VAD's timeline.
    public func addAudio(_ samples: [Float], startTime: Double) {
        guard var vad = liveVAD, !samples.isEmpty else { return }
        let rate = Double(sampleRate)
        if liveSamples.isEmpty || abs(startTime - (liveStart + Double(liveSamples.count) / rate)) > 1.5 / rate {
            liveSamples = []
            liveStart = startTime
        }
        liveSamples += samples
        var used = 0
        for f in vad.process(samples[...], startTime: startTime) {
            let a = min(max(0, Int(((f.start - liveStart) * rate).rounded())), liveSamples.count)
            let b = min(liveSamples.count, a + vad.frameLength)
            var energy: Float = 0
            for k in a..<b { energy += liveSamples[k] * liveSamples[k] }
            energy /= Float(max(b - a, 1))
            audioFrames.append(((f.start + f.end) / 2, energy, f.isSpeech))
            used = b
        }
        liveVAD = vad
        if used > 0 {
            liveSamples.removeFirst(used)
            liveStart += Double(used) / rate
        }
        if audioNext > 4096 {   // a long live run: forget the frames already handed to the scorer
            audioFrames.removeFirst(audioNext)
            audioNext = 0
        }
    }

    public init(tracker: FaceTracker, audio: [Float]?, sampleRate: Int = AudioRate.model) throws {
        self.tracker = tracker
        self.sampleRate = sampleRate
        hasAudio = audio != nil
        if let audio {
            var vad = try Self.vad(sampleRate: sampleRate)
            for f in vad.process(audio[...], startTime: 0) {
                let start = Int(f.start * Double(sampleRate)), end = min(Int(f.end * Double(sampleRate)), audio.count)
                var energy: Float = 0
                if end > start { for k in start..<end { energy += audio[k] * audio[k] }; energy /= Float(end - start) }
                audioFrames.append(((f.start + f.end) / 2, energy, f.isSpeech))
            }
        }
    }

    public func process(_ image: GreyImage, time: Double) throws -> FaceFrameResult {
        let faces = try tracker.process(image)
        let t0 = ThreadCPUTime.now()
        var voiced = false
        while audioNext < audioFrames.count && audioFrames[audioNext].t <= time {
            let a = audioFrames[audioNext]
            scorer.addAudio(time: a.t, energy: a.energy, voiced: a.voiced)
            voiced = a.voiced
            audioNext += 1
        }
        scorer.retain(faces: Set(faces.map(\.id)))
        var out: [FaceFrameFace] = []
        for f in faces {
            if tracker.lastFrameRanLandmarks { scorer.addMouth(face: f.id, time: time, openness: f.mouthOpenness) }
            let p = hasAudio ? scorer.estimate(face: f.id, at: time).probability : nil
            out.append(FaceFrameFace(id: f.id, box: [f.box.xmin, f.box.ymin, f.box.xmax, f.box.ymax], score: f.score,
                                     mouthOpenness: f.mouthOpenness, speaking: p,
                                     lips: [f.upperLip, f.lowerLip, f.leftCorner, f.rightCorner].map { [$0.x, $0.y] }))
        }
        let speakingMs = (ThreadCPUTime.now() - t0) * 1000
        let speaker = out.filter { ($0.speaking ?? 0) >= 0.5 }.max { ($0.speaking ?? 0) < ($1.speaking ?? 0) }?.id
        defer { frameIndex += 1 }
        return FaceFrameResult(frame: frameIndex, time: time, faces: out, speaker: speaker, voiced: voiced,
                               detectMs: tracker.lastDetectSeconds * 1000, landmarksMs: tracker.lastLandmarkSeconds * 1000,
                               speakingMs: speakingMs)
    }
}

/// Draws what the camera pipeline sees onto a grey frame: face boxes (the speaker's thick, with a
/// bar above), lip points as small squares.
public enum FaceOverlay {
    public static func draw(_ result: FaceFrameResult, on image: inout GreyImage) {
        for f in result.faces {
            let speaking = f.id == result.speaker
            let thickness = speaking ? 3 : 1
            rect(&image, f.box[0], f.box[1], f.box[2], f.box[3], thickness: thickness, value: 255)
            if speaking {
                fill(&image, Int(f.box[0]), Int(f.box[1]) - 8, Int(f.box[2]), Int(f.box[1]) - 4, value: 255)
            }
            for p in f.lips { fill(&image, Int(p[0]) - 1, Int(p[1]) - 1, Int(p[0]) + 1, Int(p[1]) + 1, value: speaking ? 255 : 0) }
        }
    }

    static func fill(_ im: inout GreyImage, _ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, value: UInt8) {
        let xa = max(x0, 0), xb = min(x1, im.width - 1), ya = max(y0, 0), yb = min(y1, im.height - 1)
        guard xa <= xb, ya <= yb else { return }
        for y in ya...yb { for x in xa...xb { im.pixels[y * im.width + x] = value } }
    }

    static func rect(_ im: inout GreyImage, _ x0: Float, _ y0: Float, _ x1: Float, _ y1: Float, thickness: Int, value: UInt8) {
        let a = Int(x0), b = Int(y0), c = Int(x1), d = Int(y1)
        fill(&im, a, b, c, b + thickness - 1, value: value)
        fill(&im, a, d - thickness + 1, c, d, value: value)
        fill(&im, a, b, a + thickness - 1, d, value: value)
        fill(&im, c - thickness + 1, b, c, d, value: value)
    }
}
