import Foundation

/// The reference for `ComplexFFT` and `RealFFT`: the DFT by its definition, O(N²), in Double.
/// X[k] = Σ_n x[n] · e^(−2πi·kn/N).
public enum NaiveDFT {
    /// Complex input (re, im: N each) → complex spectrum (N each).
    public static func complex(re: [Double], im: [Double]) -> (re: [Double], im: [Double]) {
        let n = re.count
        var outRe = [Double](repeating: 0, count: n), outIm = outRe
        for k in 0..<n {
            var sr = 0.0, si = 0.0
            for t in 0..<n {
                let angle = -2 * Double.pi * Double((k * t) % n) / Double(n)
                let c = cos(angle), s = sin(angle)
                sr += re[t] * c - im[t] * s
                si += re[t] * s + im[t] * c
            }
            outRe[k] = sr; outIm[k] = si
        }
        return (outRe, outIm)
    }

    /// Real input (N) → the N/2 + 1 non-negative frequency bins.
    public static func real(_ x: [Double]) -> (re: [Double], im: [Double]) {
        let full = complex(re: x, im: [Double](repeating: 0, count: x.count))
        let bins = x.count / 2 + 1
        return (Array(full.re[0..<bins]), Array(full.im[0..<bins]))
    }
}
