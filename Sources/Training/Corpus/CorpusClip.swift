import Features
import Foundation

/// One synthesized audio-visual clip: 16-kHz speech, the phonemes and visemes that drive the face,
/// and the mouth crops (and optionally the full frames) at 25 fps.
public struct CorpusClip: Sendable {
    public let id: String
    public let split: CorpusSplit
    public let sentence: CorpusSentence
    public let style: SpeechStyle
    public let face: FaceIdentity
    public let conditions: SceneConditions
    /// 16-kHz mono speech in [-1, 1].
    public let audio: [Float]
    public let phonemes: [PhonemeEvent]
    public let track: VisemeTrack
    /// 64 × 64 luma mouth crops, one per frame.
    public let mouthCrops: [[UInt8]]
    /// Full luma frames (conditions.width × conditions.height), when asked for.
    public let frames: [[UInt8]]?

    public static let sampleRate = AudioDecoder.sampleRate
}

/// Makes clips from a plan: espeak-ng speech, the viseme track, the rendered face.
public struct ClipSynthesizer: Sendable {
    public let plan: CorpusPlan
    public let frameWidth: Int
    public let frameHeight: Int

    public init(plan: CorpusPlan, frameWidth: Int = 192, frameHeight: Int = 144) {
        self.plan = plan
        self.frameWidth = frameWidth
        self.frameHeight = frameHeight
    }

    public func clip(split: CorpusSplit, index: Int, fullFrames: Bool) throws -> CorpusClip {
        var (sentence, style, faceID, r) = plan.draw(split: split, index: index)
        let speech = try EspeakSynthesizer.synthesize(sentence.spoken, style: style, randomSeed: UInt32(truncatingIfNeeded: r.next()))
        let audio: [Float]
        do {
            audio = try Resampler.resample(speech.samples, from: speech.sampleRate, to: CorpusClip.sampleRate)
        } catch {
            throw TrainingError.invalidArgument(name: "sample rate", reason: "cannot resample espeak-ng output (\(speech.sampleRate) Hz): \(error)")
        }
        let durationMs = Double(audio.count) * 1000 / Double(CorpusClip.sampleRate)
        let track = VisemeTrack(phonemes: speech.phonemes, durationMs: durationMs)
        let face = FaceIdentity(id: faceID, seed: plan.seed)
        let conditions = SceneConditions(width: frameWidth, height: frameHeight, random: &r)
        let renderer = FaceRenderer(identity: face, conditions: conditions)
        var crops: [[UInt8]] = []
        var frames: [[UInt8]] = []
        for (k, shape) in track.frameShapes().enumerated() {
            let seconds = VisemeTrack.frameCentreMs(k) / 1000
            if fullFrames {
                let frame = renderer.render(shape: shape, seconds: seconds, frameIndex: k)
                frames.append(frame.luma)
                let crop = AffineCrop.mouth(leftCorner: frame.leftCorner, rightCorner: frame.rightCorner)
                crops.append(crop.sample(luma: frame.luma, width: frame.width, height: frame.height))
            } else {
                crops.append(renderer.mouthCrop(shape: shape, seconds: seconds, frameIndex: k))
            }
        }
        let id = String(format: "%@-%06d", split.rawValue, index)
        return CorpusClip(id: id, split: split, sentence: sentence, style: style, face: face, conditions: conditions,
                          audio: audio, phonemes: speech.phonemes, track: track, mouthCrops: crops,
                          frames: fullFrames ? frames : nil)
    }
}
