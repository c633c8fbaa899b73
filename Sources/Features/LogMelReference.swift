import Foundation

/// The naive reference for `LogMelFrameKernel` and `LogMelSpectrogram`: the same definition written
/// plainly, in Double, one frame at a time, with the O(N²) `NaiveDFT` and the dense filter bank.
public enum LogMelReference {
    /// Normalised log-mel (bins × frames, bin-major) of `samples` padded with `padding` zeros.
    public static func logMel(_ samples: [Float], melBins: Int = 80, padding: Int = 160) -> MelSpectrogram {
        let nFFT = 400, hop = 160
        let bank = MelFilterBank(melBins: melBins, nFFT: nFFT)
        let signal = (samples + [Float](repeating: 0, count: max(0, padding))).map(Double.init)   // (L)
        let frames = signal.count / hop
        var raw = [Double](repeating: 0, count: melBins * frames)                                // (bins × frames)
        for f in 0..<frames {
            // Frame (nFFT): reflect-padded samples around f·hop, times the periodic Hann window.
            let frame = (0..<nFFT).map { n -> Double in
                let w = 0.5 - 0.5 * cos(2 * Double.pi * Double(n) / Double(nFFT))
                return w * signal[LogMelFrameKernel.reflect(f * hop - nFFT / 2 + n, length: signal.count)]
            }
            let spectrum = NaiveDFT.real(frame)                                                    // (nFFT/2 + 1)
            let power = zip(spectrum.re, spectrum.im).map { $0 * $0 + $1 * $1 }
            for b in 0..<melBins {
                var sum = 0.0
                for k in 0..<bank.fftBins { sum += Double(bank.weights[b * bank.fftBins + k]) * power[k] }
                raw[b * frames + f] = log10(max(sum, 1e-10))
            }
        }
        let top = raw.max() ?? 0
        let data = raw.map { Float((max($0, top - 8) + 4) / 4) }
        return MelSpectrogram(bins: melBins, frames: frames, data: data)
    }
}
