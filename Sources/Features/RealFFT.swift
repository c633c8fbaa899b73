import Foundation

/// The DFT of real signals of even length N through one complex FFT of length N/2: the signal is
/// packed as z[n] = x[2n] + i·x[2n+1], transformed, and split into the N/2 + 1 non-negative
/// frequency bins. Eight signals at once (one per `FFTLanes` lane). `NaiveDFT` is its reference.
public struct RealFFT: Sendable {
    public let size: Int
    public var bins: Int { size / 2 + 1 }
    let half: ComplexFFT
    /// cos and −sin of 2πk/N for k in 0...N/2 (post-processing twiddles).
    let cosTable: [Float]
    let sinTable: [Float]

    public init(size: Int) {
        precondition(size >= 2 && size % 2 == 0, "RealFFT size must be even")   // programming error
        self.size = size
        half = ComplexFFT(size: size / 2)
        cosTable = (0...size / 2).map { Float(cos(2 * Double.pi * Double($0) / Double(size))) }
        sinTable = (0...size / 2).map { Float(-sin(2 * Double.pi * Double($0) / Double(size))) }
    }

    /// Working memory for one call of `forward`: 4 × N/2 lanes.
    public final class Workspace {
        let zr: UnsafeMutablePointer<FFTLanes>, zi: UnsafeMutablePointer<FFTLanes>
        let sr: UnsafeMutablePointer<FFTLanes>, si: UnsafeMutablePointer<FFTLanes>
        let count: Int
        public init(size: Int) {
            count = size / 2
            zr = .allocate(capacity: count); zi = .allocate(capacity: count)
            sr = .allocate(capacity: count); si = .allocate(capacity: count)
            for p in [zr, zi, sr, si] { p.initialize(repeating: .zero, count: count) }
        }
        deinit { for p in [zr, zi, sr, si] { p.deallocate() } }
    }

    /// Spectrum of `input` (N lanes: sample n of signal j in lane j) into outRe/outIm (N/2 + 1 lanes).
    public func forward(_ input: UnsafePointer<FFTLanes>, outRe: UnsafeMutablePointer<FFTLanes>,
                        outIm: UnsafeMutablePointer<FFTLanes>, workspace w: Workspace) {
        let m = size / 2
        // Pack: z (m) = x[even] + i·x[odd].
        for n in 0..<m { w.zr[n] = input[2 * n]; w.zi[n] = input[2 * n + 1] }
        half.forward(re: w.zr, im: w.zi, scratchRe: w.sr, scratchIm: w.si)   // Z (m)
        // Split: E[k] = (Z[k] + conj Z[m−k]) / 2, O[k] = (Z[k] − conj Z[m−k]) / 2i, X[k] = E + W_N^k · O.
        outRe[0] = w.zr[0] + w.zi[0]; outIm[0] = .zero
        outRe[m] = w.zr[0] - w.zi[0]; outIm[m] = .zero
        if m < 2 { return }
        for k in 1..<m {
            let ar = w.zr[k], ai = w.zi[k], br = w.zr[m - k], bi = -w.zi[m - k]     // b = conj Z[m−k]
            let er = (ar + br) * 0.5, ei = (ai + bi) * 0.5
            // (a − b) / 2i = ((ai − bi) − i·(ar − br)) / 2
            let or = (ai - bi) * 0.5, oi = (br - ar) * 0.5
            let c = cosTable[k], s = sinTable[k]
            outRe[k] = er + or * c - oi * s
            outIm[k] = ei + oi * c + or * s
        }
    }

    /// Convenience over arrays: returns (re, im), N/2 + 1 lanes each.
    public func forward(_ input: [FFTLanes]) -> (re: [FFTLanes], im: [FFTLanes]) {
        precondition(input.count == size, "RealFFT input must have \(size) lanes")
        var re = [FFTLanes](repeating: .zero, count: bins), im = re
        let w = Workspace(size: size)
        input.withUnsafeBufferPointer { x in re.withUnsafeMutableBufferPointer { r in im.withUnsafeMutableBufferPointer { i in
            guard let x0 = x.baseAddress, let r0 = r.baseAddress, let i0 = i.baseAddress else { return }
            forward(x0, outRe: r0, outIm: i0, workspace: w)
        } } }
        return (re, im)
    }
}
