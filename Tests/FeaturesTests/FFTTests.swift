import XCTest
import Features

/// The fast FFTs against the O(N²) definition (NaiveDFT), on seeded random signals, one per lane.
final class FFTTests: XCTestCase {
    /// Deterministic pseudo-random values in [−1, 1).
    struct Noise {
        var state: UInt64
        mutating func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state) >> 40) / Float(1 << 23)
        }
    }

    func testComplexFFTMatchesNaiveDFTForManySizes() {
        var noise = Noise(state: 7)
        for size in [1, 2, 3, 4, 5, 7, 8, 12, 16, 25, 44, 100, 121, 200, 400] {
            let fft = ComplexFFT(size: size)
            var re = (0..<size).map { _ in FFTLanes((0..<8).map { _ in noise.next() }) }
            var im = (0..<size).map { _ in FFTLanes((0..<8).map { _ in noise.next() }) }
            let input = (re, im)
            fft.forward(re: &re, im: &im)
            for lane in 0..<8 {
                let ref = NaiveDFT.complex(re: input.0.map { Double($0[lane]) }, im: input.1.map { Double($0[lane]) })
                var err = 0.0, scale = 1e-12
                for k in 0..<size {
                    err = max(err, abs(Double(re[k][lane]) - ref.re[k]), abs(Double(im[k][lane]) - ref.im[k]))
                    scale = max(scale, abs(ref.re[k]), abs(ref.im[k]))
                }
                XCTAssertLessThan(err / scale, 2e-6, "size \(size) (factors \(fft.factors)) lane \(lane): relative error \(err / scale)")
            }
        }
    }

    func testFactorisationOf400And200() {
        XCTAssertEqual(ComplexFFT(size: 400).factors, [4, 4, 5, 5])
        XCTAssertEqual(ComplexFFT(size: 200).factors, [4, 2, 5, 5])
        XCTAssertEqual(ComplexFFT(size: 1).factors, [1])
    }

    func testRealFFTOf400MatchesNaiveDFT() {
        var noise = Noise(state: 11)
        for size in [2, 4, 10, 400] {
            let fft = RealFFT(size: size)
            let input = (0..<size).map { _ in FFTLanes((0..<8).map { _ in noise.next() }) }
            let (re, im) = fft.forward(input)
            XCTAssertEqual(re.count, size / 2 + 1)
            for lane in 0..<8 {
                let ref = NaiveDFT.real(input.map { Double($0[lane]) })
                var err = 0.0, scale = 1e-12
                for k in 0..<fft.bins {
                    err = max(err, abs(Double(re[k][lane]) - ref.re[k]), abs(Double(im[k][lane]) - ref.im[k]))
                    scale = max(scale, abs(ref.re[k]), abs(ref.im[k]))
                }
                XCTAssertLessThan(err / scale, 2e-6, "real size \(size) lane \(lane): relative error \(err / scale)")
            }
        }
    }

    func testRealFFTOfPureToneHasOnePeak() {
        // A cosine at bin 37 of 400: all energy in bin 37 (amplitude N/2), nothing elsewhere.
        let fft = RealFFT(size: 400)
        let input = (0..<400).map { n in FFTLanes(repeating: Float(cos(2 * Double.pi * 37 * Double(n) / 400))) }
        let (re, im) = fft.forward(input)
        for k in 0...200 {
            let mag = (re[k][0] * re[k][0] + im[k][0] * im[k][0]).squareRoot()
            if k == 37 { XCTAssertEqual(mag, 200, accuracy: 1e-3) } else { XCTAssertLessThan(mag, 1e-3, "bin \(k)") }
        }
    }
}
