import Foundation

/// Eight independent transforms computed side by side, one per SIMD lane (8 frames at once).
public typealias FFTLanes = SIMD8<Float>

/// A mixed-radix complex FFT (forward, e^(−2πi·kn/N), unnormalised) of a fixed size N, by recursive
/// decimation in time with hand-written radix-2, 4 and 5 butterflies and a generic O(p²) butterfly
/// for any other prime factor. Each element is an `FFTLanes`: eight signals are transformed at once.
/// `NaiveDFT` is its reference.
public struct ComplexFFT: Sendable {
    public let size: Int
    /// Radices, outermost first (4s, then 2, 3, 5, then larger primes).
    public let factors: [Int]
    /// cos and −sin of 2πk/N for k in 0..<N (the twiddles W_N^k = cos − i·sin).
    let cosTable: [Float]
    let sinTable: [Float]

    public init(size: Int) {
        precondition(size >= 1, "ComplexFFT size must be positive")   // programming error, not input
        self.size = size
        var factors: [Int] = []
        var rest = size
        while rest % 4 == 0 { factors.append(4); rest /= 4 }
        for p in [2, 3, 5] { while rest % p == 0 { factors.append(p); rest /= p } }
        var p = 7
        while rest > 1 {
            while rest % p == 0 { factors.append(p); rest /= p }
            p += 2
        }
        if factors.isEmpty { factors = [1] }
        self.factors = factors
        cosTable = (0..<size).map { Float(cos(2 * Double.pi * Double($0) / Double(size))) }
        sinTable = (0..<size).map { Float(-sin(2 * Double.pi * Double($0) / Double(size))) }
    }

    /// Transforms `re`/`im` (N lanes each) in place; `scratchRe`/`scratchIm` hold N lanes each.
    public func forward(re: UnsafeMutablePointer<FFTLanes>, im: UnsafeMutablePointer<FFTLanes>,
                        scratchRe: UnsafeMutablePointer<FFTLanes>, scratchIm: UnsafeMutablePointer<FFTLanes>) {
        if size == 1 { return }
        // input (N) → output in scratch (N), then back.
        transform(inRe: re, inIm: im, stride: 1, n: size, outRe: scratchRe, outIm: scratchIm, level: 0)
        re.update(from: scratchRe, count: size)
        im.update(from: scratchIm, count: size)
    }

    /// Convenience over arrays (tests, one-off transforms).
    public func forward(re: inout [FFTLanes], im: inout [FFTLanes]) {
        var sr = [FFTLanes](repeating: .zero, count: size), si = sr
        re.withUnsafeMutableBufferPointer { r in im.withUnsafeMutableBufferPointer { i in
            sr.withUnsafeMutableBufferPointer { a in si.withUnsafeMutableBufferPointer { b in
                guard let r0 = r.baseAddress, let i0 = i.baseAddress, let a0 = a.baseAddress, let b0 = b.baseAddress else { return }
                forward(re: r0, im: i0, scratchRe: a0, scratchIm: b0)
            } }
        } }
    }

    /// DFT of the n inputs in[0], in[stride], … into out[0..<n] (contiguous).
    private func transform(inRe: UnsafePointer<FFTLanes>, inIm: UnsafePointer<FFTLanes>, stride: Int, n: Int,
                           outRe: UnsafeMutablePointer<FFTLanes>, outIm: UnsafeMutablePointer<FFTLanes>, level: Int) {
        let p = factors[level]
        let m = n / p
        if m == 1 {
            // Leaf: one p-point DFT of the strided inputs.
            butterfly(p, re: outRe, im: outIm, spacing: 1, loadRe: { inRe[$0 * stride] }, loadIm: { inIm[$0 * stride] })
            return
        }
        // p sub-transforms of length m: sub r (inputs r, r + p·stride, …) lands in out[r·m ..< (r+1)·m].
        for r in 0..<p {
            transform(inRe: inRe + r * stride, inIm: inIm + r * stride, stride: stride * p, n: m,
                      outRe: outRe + r * m, outIm: outIm + r * m, level: level + 1)
        }
        // Combine: for each k, y[q·m + k] = Σ_r W_n^{r·k} · sub_r[k] · W_p^{r·q}.
        let step = size / n
        for k in 0..<m {
            let base = k * step
            butterfly(p, re: outRe + k, im: outIm + k, spacing: m, loadRe: { r in
                let v = outRe[r * m + k]
                if r == 0 { return v }
                let t = (r * base) % size
                return v * cosTable[t] - outIm[r * m + k] * sinTable[t]
            }, loadIm: { r in
                let v = outIm[r * m + k]
                if r == 0 { return v }
                let t = (r * base) % size
                return v * cosTable[t] + outRe[r * m + k] * sinTable[t]
            })
        }
    }

    /// A p-point DFT of the values given by `loadRe`/`loadIm` (all loaded before any store), written
    /// to re/im at 0, spacing, 2·spacing, ….
    @inline(__always)
    private func butterfly(_ p: Int, re: UnsafeMutablePointer<FFTLanes>, im: UnsafeMutablePointer<FFTLanes>, spacing s: Int,
                           loadRe: (Int) -> FFTLanes, loadIm: (Int) -> FFTLanes) {
        switch p {
        case 2:
            let ar = loadRe(0), ai = loadIm(0), br = loadRe(1), bi = loadIm(1)
            re[0] = ar + br; im[0] = ai + bi
            re[s] = ar - br; im[s] = ai - bi
        case 4:
            let a0r = loadRe(0), a0i = loadIm(0), a1r = loadRe(1), a1i = loadIm(1)
            let a2r = loadRe(2), a2i = loadIm(2), a3r = loadRe(3), a3i = loadIm(3)
            let t0r = a0r + a2r, t0i = a0i + a2i, t1r = a0r - a2r, t1i = a0i - a2i
            let t2r = a1r + a3r, t2i = a1i + a3i, t3r = a1r - a3r, t3i = a1i - a3i
            re[0] = t0r + t2r; im[0] = t0i + t2i
            re[2 * s] = t0r - t2r; im[2 * s] = t0i - t2i
            re[s] = t1r + t3i; im[s] = t1i - t3r            // t1 − i·t3
            re[3 * s] = t1r - t3i; im[3 * s] = t1i + t3r    // t1 + i·t3
        case 5:
            let c1: Float = 0.309016994374947424, c2: Float = -0.809016994374947424
            let s1: Float = 0.951056516295153572, s2: Float = 0.587785252292473129
            let a0r = loadRe(0), a0i = loadIm(0), a1r = loadRe(1), a1i = loadIm(1), a2r = loadRe(2), a2i = loadIm(2)
            let a3r = loadRe(3), a3i = loadIm(3), a4r = loadRe(4), a4i = loadIm(4)
            let b1r = a1r + a4r, b1i = a1i + a4i, b2r = a2r + a3r, b2i = a2i + a3i
            let d1r = a1r - a4r, d1i = a1i - a4i, d2r = a2r - a3r, d2i = a2i - a3i
            let m1r = a0r + c1 * b1r + c2 * b2r, m1i = a0i + c1 * b1i + c2 * b2i
            let m2r = a0r + c2 * b1r + c1 * b2r, m2i = a0i + c2 * b1i + c1 * b2i
            let n1r = s1 * d1r + s2 * d2r, n1i = s1 * d1i + s2 * d2i
            let n2r = s2 * d1r - s1 * d2r, n2i = s2 * d1i - s1 * d2i
            re[0] = a0r + b1r + b2r; im[0] = a0i + b1i + b2i
            re[s] = m1r + n1i; im[s] = m1i - n1r            // m1 − i·n1
            re[4 * s] = m1r - n1i; im[4 * s] = m1i + n1r    // m1 + i·n1
            re[2 * s] = m2r + n2i; im[2 * s] = m2i - n2r    // m2 − i·n2
            re[3 * s] = m2r - n2i; im[3 * s] = m2i + n2r    // m2 + i·n2
        default:
            // Generic radix: y_q = Σ_r a_r · W_p^{r·q}, W_p = W_N^{N/p}.
            let ar = (0..<p).map(loadRe), ai = (0..<p).map(loadIm)
            let step = size / p
            for q in 0..<p {
                var yr = FFTLanes.zero, yi = FFTLanes.zero
                for r in 0..<p {
                    let t = ((r * q) % p) * step
                    yr += ar[r] * cosTable[t] - ai[r] * sinTable[t]
                    yi += ai[r] * cosTable[t] + ar[r] * sinTable[t]
                }
                re[q * s] = yr; im[q * s] = yi
            }
        }
    }
}
