import CaptionCore
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

    public init(melBins: Int, nFFT: Int = 400, hopLength: Int = 160, sampleRate: Int = AudioRate.model) {
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
        let mel = UnsafeMutablePointer<FFTLanes>.allocate(capacity: bins)       // mel energies (bins lanes)
        let edge = UnsafeMutablePointer<Float>.allocate(capacity: lanes * nFFT) // edge frames, frame-major (8 × nFFT)
        defer { x.deallocate(); re.deallocate(); im.deallocate(); mel.deallocate(); edge.deallocate() }
        let workspace = RealFFT.Workspace(size: nFFT)
        guard let src = signal.baseAddress else { return }
        let hop = hopLength
        window.withUnsafeBufferPointer { win in
        bank.weights.withUnsafeBufferPointer { weights in
        bank.support.withUnsafeBufferPointer { support in
            var f0 = frames.lowerBound
            while f0 < frames.upperBound {
                let valid = min(lanes, frames.upperBound - f0)
                // Framing and window: x[n][j] = w[n] · s[reflect((f0 + j)·hop − nFFT/2 + n)].
                let first = f0 * hop - half
                if valid == lanes, first >= 0, first + (lanes - 1) * hop + nFFT <= length {
                    // Interior batch: eight windows at a fixed stride, no reflection.
                    let p = src + (first - signalStart)
                    for n in 0..<nFFT {
                        let q = p + n
                        x[n] = FFTLanes(q[0], q[hop], q[2 * hop], q[3 * hop], q[4 * hop], q[5 * hop], q[6 * hop], q[7 * hop]) * win[n]
                    }
                } else {
                    // Near the ends (or fewer than 8 frames): reflect each index, unused lanes zero.
                    edge.initialize(repeating: 0, count: lanes * nFFT)
                    for j in 0..<valid {
                        for n in 0..<nFFT {
                            edge[j * nFFT + n] = src[Self.reflect(first + j * hop + n, length: length) - signalStart]
                        }
                    }
                    for n in 0..<nFFT {
                        x[n] = FFTLanes(edge[n], edge[nFFT + n], edge[2 * nFFT + n], edge[3 * nFFT + n], edge[4 * nFFT + n],
                                        edge[5 * nFFT + n], edge[6 * nFFT + n], edge[7 * nFFT + n]) * win[n]
                    }
                }
                fft.forward(x, outRe: re, outIm: im, workspace: workspace)   // (fftBins lanes) complex
                for k in 0..<fftBins { re[k] = re[k] * re[k] + im[k] * im[k] } // power (fftBins lanes)
                // Mel (bins lanes) = filters (bins × fftBins, sparse rows) · power; then clamped log10.
                let floor = FFTLanes(repeating: 1e-10)
                for b in 0..<bins {
                    var acc = FFTLanes.zero
                    let row = b * fftBins
                    for k in support[b] { acc += weights[row + k] * re[k] }
                    mel[b] = Self.log10(pointwiseMax(acc, floor))
                }
                for j in 0..<valid {
                    let o = out + (f0 + j - frames.lowerBound) * bins
                    for b in 0..<bins { o[b] = mel[b][j] }
                }
                f0 += valid
            }
        } } }
    }

    /// log10 of positive normal floats, eight at a time: x = 2^e · m with m in [√½, √2), then
    /// ln m = 2·atanh(t), t = (m − 1)/(m + 1), |t| ≤ 0.172, by its series to t⁹ (error < 1e-9,
    /// below Float rounding). `log10f` is its reference (compared in tests).
    @inline(__always)
    public static func log10(_ x: FFTLanes) -> FFTLanes {
        let bits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
        var e = SIMD8<Int32>(truncatingIfNeeded: bits &>> 23) &- 127
        var m = unsafeBitCast((bits & 0x007F_FFFF) | 0x3F80_0000, to: FFTLanes.self)   // [1, 2)
        let big = m .> FFTLanes(repeating: 1.41421356)
        m.replace(with: m * 0.5, where: big)
        e.replace(with: e &+ 1, where: big)
        let t = (m - 1) / (m + 1)
        let t2 = t * t
        // ln m = 2t + 2t³/3 + 2t⁵/5 + 2t⁷/7 + 2t⁹/9 (Horner in t²).
        var poly = t2 * Float(2.0 / 9) + Float(2.0 / 7)
        poly = poly * t2 + Float(2.0 / 5)
        poly = poly * t2 + Float(2.0 / 3)
        poly = poly * t2 + Float(2)
        let series = t * poly
        let ln: FFTLanes = FFTLanes(e) * Float(0.693147180559945309) + series
        return ln * Float(0.434294481903251828)
    }
}
