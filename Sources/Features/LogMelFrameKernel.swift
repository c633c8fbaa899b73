import Foundation

/// The per-frame part of Whisper's log-mel, shared by the one-shot and streaming front ends:
/// reflect-padded framing (centre = frame · hop), periodic Hann window, real FFT, power spectrum,
/// mel filter bank and log10 clamped at 1e-10. Eight frames go through the FFT at once (SIMD lanes).
/// `LogMelReference` is its naive reference.
public struct LogMelFrameKernel: Sendable {
    public let nFFT: Int
    public let hopLength: Int
    public let bank: MelFilterBank
    /// Periodic Hann window (np.hanning(n + 1)[:-1]) rounded to Float: nFFT values.
    public let window: [Float]
    let fft: RealFFT

    public init(melBins: Int, nFFT: Int = 400, hopLength: Int = 160, sampleRate: Int = 16_000) {
        self.nFFT = nFFT
        self.hopLength = hopLength
        bank = MelFilterBank(melBins: melBins, nFFT: nFFT, sampleRate: sampleRate)
        window = Self.hannWindow(nFFT)
        fft = RealFFT(size: nFFT)
    }

    /// 0.5 − 0.5·cos(2πn/N) for n in 0..<N (the first N points of a symmetric N+1 window).
    public static func hannWindow(_ n: Int) -> [Float] {
        (0..<n).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(n))) }
    }

    /// Index into a signal of `length` samples for position `i` of its reflect-padded extension
    /// (numpy `pad(mode="reflect")`, repeated reflection = even periodic extension of period 2(L−1)).
    @inline(__always)
    public static func reflect(_ i: Int, length: Int) -> Int {
        if i >= 0 && i < length { return i }
        if length == 1 { return 0 }
        let period = 2 * (length - 1)
        var j = i % period
        if j < 0 { j += period }
        return j < length ? j : period - j
    }

    /// Raw log10-mel of `frames` into `out`, frame-major (frames.count × melBins).
    /// Frame f covers positions f·hop − nFFT/2 ..< f·hop + nFFT/2 of a signal of `length` samples
    /// (reflected at both ends); `signal[i]` holds sample `signalStart + i` and must cover every
    /// sample those positions map to.
    public func rawFrames(signal: UnsafeBufferPointer<Float>, signalStart: Int, length: Int,
                          frames: Range<Int>, out: UnsafeMutablePointer<Float>) {
        let bins = bank.melBins, fftBins = fft.bins, half = nFFT / 2
        let lanes = FFTLanes.scalarCount
        let x = UnsafeMutablePointer<FFTLanes>.allocate(capacity: nFFT)         // windowed frames (nFFT lanes)
        let re = UnsafeMutablePointer<FFTLanes>.allocate(capacity: fftBins)     // spectrum (fftBins lanes)
        let im = UnsafeMutablePointer<FFTLanes>.allocate(capacity: fftBins)
        defer { x.deallocate(); re.deallocate(); im.deallocate() }
        let workspace = RealFFT.Workspace(size: nFFT)
        guard let src = signal.baseAddress else { return }
        window.withUnsafeBufferPointer { win in
        bank.weights.withUnsafeBufferPointer { weights in
            var f0 = frames.lowerBound
            while f0 < frames.upperBound {
                let valid = min(lanes, frames.upperBound - f0)
                // Framing and window: x[n][j] = w[n] · s[reflect((f0 + j)·hop − nFFT/2 + n)].
                for n in 0..<nFFT {
                    var v = FFTLanes.zero
                    for j in 0..<valid {
                        let pos = Self.reflect((f0 + j) * hopLength - half + n, length: length) - signalStart
                        v[j] = src[pos]
                    }
                    x[n] = v * win[n]
                }
                fft.forward(x, outRe: re, outIm: im, workspace: workspace)   // (fftBins lanes) complex
                for k in 0..<fftBins { re[k] = re[k] * re[k] + im[k] * im[k] } // power (fftBins lanes)
                // Mel (bins lanes) = filters (bins × fftBins, sparse rows) · power; then log10.
                for b in 0..<bins {
                    var acc = FFTLanes.zero
                    let row = b * fftBins
                    for k in bank.support[b] { acc += weights[row + k] * re[k] }
                    for j in 0..<valid {
                        out[(f0 + j - frames.lowerBound) * bins + b] = log10f(max(acc[j], 1e-10))
                    }
                }
                f0 += valid
            }
        } }
    }
}
