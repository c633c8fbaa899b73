import Features
import Foundation

/// Augmentation of a training clip's log-mel (issue 13): the test split's voices are voices the
/// model never heard, and the gap between training and test CER is theirs. Two classic remedies,
/// both applied to the log-mel the model reads, so the audio stays in sync with the video frames:
///
/// - **Vocal tract length perturbation** (Jaitly & Hinton 2013): the clip's frequency axis is
///   scaled by a factor α drawn from [1 − `frequencyWarp`, 1 + `frequencyWarp`] (a longer or
///   shorter vocal tract: formants move up or down together). Each output bin reads the input
///   spectrum at its centre frequency / α (Hz, through the Slaney mel scale Whisper's filterbank
///   uses), interpolated between neighbouring bins.
/// - **SpecAugment masks** (Park et al. 2019): `frequencyMasks` bands of up to
///   `frequencyMaskWidth` mel bins and `timeMasks` spans of up to `timeMaskFrames` 10-ms frames
///   are set to the clip's mean: the model learns not to lean on any one band or moment (and, in
///   an audio-visual model, to fill a masked moment from the lips).
///
/// Speed perturbation is not used: it would move the audio against the 25-fps mouth crops.
/// Stored in the checkpoint's training settings; absent (nil) there means none.
public struct MelAugmentation: Codable, Sendable, Equatable {
    public var frequencyWarp: Float = 0
    public var frequencyMasks = 0
    public var frequencyMaskWidth = 8
    public var timeMasks = 0
    public var timeMaskFrames = 10

    public init(frequencyWarp: Float = 0, frequencyMasks: Int = 0, frequencyMaskWidth: Int = 8,
                timeMasks: Int = 0, timeMaskFrames: Int = 10) {
        self.frequencyWarp = frequencyWarp; self.frequencyMasks = frequencyMasks
        self.frequencyMaskWidth = frequencyMaskWidth; self.timeMasks = timeMasks; self.timeMaskFrames = timeMaskFrames
    }

    /// What is wrong with these values (option name and reason), or nil: the one check for
    /// `captionctl train`'s options and for a checkpoint's stored settings (a warp of 1 or more
    /// would read negative frequencies; widths bound the random draws).
    public var problem: (option: String, reason: String)? {
        if !(frequencyWarp >= 0 && frequencyWarp <= 0.3) { return ("--frequency-warp", "\(frequencyWarp) is not between 0 and 0.3") }
        if !(0...10).contains(frequencyMasks) { return ("--frequency-masks", "\(frequencyMasks) is not between 0 and 10") }
        if !(0...10).contains(timeMasks) { return ("--time-masks", "\(timeMasks) is not between 0 and 10") }
        if !(0...80).contains(frequencyMaskWidth) { return ("frequencyMaskWidth", "\(frequencyMaskWidth) is not between 0 and 80") }
        if !(0...1000).contains(timeMaskFrames) { return ("timeMaskFrames", "\(timeMaskFrames) is not between 0 and 1000") }
        return nil
    }

    /// True when it changes nothing.
    public var isOff: Bool { frequencyWarp == 0 && (frequencyMasks == 0 || frequencyMaskWidth == 0) && (timeMasks == 0 || timeMaskFrames == 0) }

    /// `mel` (frames × `melBins`, row-major) augmented with draws from `random`.
    public func apply(_ mel: [Float], melBins: Int, sampleRate: Double = 16_000, random: inout SplitMix) -> [Float] {
        guard !isOff, melBins > 1, mel.count >= melBins else { return mel }
        var out = mel
        let frames = mel.count / melBins
        if frequencyWarp > 0 {
            let alpha = random.uniform(1 - frequencyWarp, 1 + frequencyWarp)
            out = Self.warped(out, frames: frames, melBins: melBins, alpha: alpha, sampleRate: sampleRate)
        }
        let mean = out.reduce(0, +) / Float(out.count)
        for _ in 0..<frequencyMasks {
            let width = random.below(frequencyMaskWidth + 1)
            let first = random.below(max(1, melBins - width + 1))
            for f in 0..<frames { for b in first..<min(melBins, first + width) { out[f * melBins + b] = mean } }
        }
        for _ in 0..<timeMasks {
            let width = min(random.below(timeMaskFrames + 1), frames / 5)   // at most a fifth of the clip per mask
            let first = random.below(max(1, frames - width + 1))
            for f in first..<min(frames, first + width) { for b in 0..<melBins { out[f * melBins + b] = mean } }
        }
        return out
    }

    /// Each frame's spectrum with its frequency axis scaled by `alpha` (> 1: formants move up).
    static func warped(_ mel: [Float], frames: Int, melBins: Int, alpha: Float, sampleRate: Double) -> [Float] {
        let source = sourcePositions(melBins: melBins, alpha: Double(alpha), sampleRate: sampleRate)
        var out = mel
        for f in 0..<frames {
            let row = f * melBins
            for b in 0..<melBins {
                let x = source[b]
                let lo = Int(x.rounded(.down)), w = Float(x - Double(lo))
                out[row + b] = lo + 1 < melBins ? mel[row + lo] * (1 - w) + mel[row + lo + 1] * w : mel[row + melBins - 1]
            }
        }
        return out
    }

    /// For each output bin, the (fractional, clamped) input bin whose centre frequency is the
    /// output's divided by `alpha`.
    static func sourcePositions(melBins: Int, alpha: Double, sampleRate: Double) -> [Double] {
        let top = MelFilterBank.hzToMel(sampleRate / 2)
        let spacing = top / Double(melBins + 1)   // centres at points 1…melBins of melBins + 2
        return (0..<melBins).map { b in
            let hz = MelFilterBank.melToHz(Double(b + 1) * spacing) / alpha
            return min(max(MelFilterBank.hzToMel(hz) / spacing - 1, 0), Double(melBins - 1))
        }
    }
}
