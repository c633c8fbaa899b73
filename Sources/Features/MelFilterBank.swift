import CaptionCore
import Foundation

/// The Slaney-scale mel filter bank Whisper uses (librosa `mel(sr, n_fft, n_mels, htk=False,
/// norm="slaney")`, fmin 0, fmax sr/2), computed in Double and rounded to Float like faster-whisper's
/// FeatureExtractor.get_mel_filters. Whisper checkpoints do not carry it.
public struct MelFilterBank: Sendable {
    public let melBins: Int
    /// FFT bins: nFFT / 2 + 1.
    public let fftBins: Int
    /// melBins × fftBins, row-major.
    public let weights: [Float]
    /// Per mel bin, the range of FFT bins with non-zero weight (the filters are triangles).
    public let support: [Range<Int>]

    public init(melBins: Int = 80, nFFT: Int = 400, sampleRate: Int = AudioRate.model) {
        self.melBins = melBins
        fftBins = nFFT / 2 + 1
        // Centre frequency of each FFT bin (np.fft.rfftfreq): k / (n · (1/sr)).
        let fftFreqs = (0..<fftBins).map { Double($0) / (Double(nFFT) * (1.0 / Double(sampleRate))) }
        // melBins + 2 points evenly spaced on the Slaney mel scale from 0 to mel(sr/2) (np.linspace).
        let maxMel = Self.hzToMel(Double(sampleRate) / 2)
        let div = Double(melBins + 1)
        var mels = (0..<(melBins + 2)).map { Double($0) * (maxMel / div) }
        mels[melBins + 1] = maxMel
        let freqs = mels.map(Self.melToHz)
        var weights = [Float](repeating: 0, count: melBins * fftBins)
        var support: [Range<Int>] = []
        for i in 0..<melBins {
            let lowDiff = freqs[i + 1] - freqs[i], highDiff = freqs[i + 2] - freqs[i + 1]
            let enorm = 2.0 / (freqs[i + 2] - freqs[i])          // Slaney: constant energy per channel
            var first = fftBins, last = -1
            for k in 0..<fftBins {
                let lower = -(freqs[i] - fftFreqs[k]) / lowDiff
                let upper = (freqs[i + 2] - fftFreqs[k]) / highDiff
                let w = Float(max(0, min(lower, upper)) * enorm)
                weights[i * fftBins + k] = w
                if w != 0 { first = min(first, k); last = k }
            }
            support.append(last >= first ? first..<(last + 1) : 0..<0)
        }
        self.weights = weights
        self.support = support
    }

    /// Slaney mel scale: linear (200/3 Hz per mel) below 1 kHz, logarithmic (step ln 6.4 / 27) above.
    public static func hzToMel(_ hz: Double) -> Double {
        let fSp = 200.0 / 3, minLogHz = 1000.0, minLogMel = minLogHz / fSp, logStep = log(6.4) / 27
        return hz >= minLogHz ? minLogMel + log(hz / minLogHz) / logStep : hz / fSp
    }

    /// Inverse of `hzToMel`.
    public static func melToHz(_ mel: Double) -> Double {
        let fSp = 200.0 / 3, minLogHz = 1000.0, minLogMel = minLogHz / fSp, logStep = log(6.4) / 27
        return mel >= minLogMel ? minLogHz * exp(logStep * (mel - minLogMel)) : fSp * mel
    }
}
