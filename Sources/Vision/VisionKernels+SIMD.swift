import CVectorKernels

/// The AVX2 + FMA kernels of the face models (`CVectorKernels/VisionKernels.c`), chosen by
/// `TFLiteGraph` when the CPU has them (`simd`); elsewhere the Swift kernels of `VisionKernels`
/// run. Each has the naive twin of `VisionReferenceKernels` that VisionTests compares it with.
/// They accumulate in the reference's order with fused multiply-adds.
public extension VisionKernels {
    /// The CPU runs AVX2 and FMA.
    static let simd = cvk_has_avx2_fma() != 0

    /// Depthwise convolution (depth multiplier 1): each output's channels in registers, the taps
    /// inside the input added in place (no tiled weights, no pass per tap over the output row).
    /// Call only when `simd`.
    static func depthwiseConv2dSIMD(_ x: UnsafePointer<Float>, _ s: Conv2DShape, weight: UnsafePointer<Float>,
                                    bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>) {
        let g = s.window
        cvk_vision_depthwise(x, Int32(s.inH), Int32(s.inW), Int32(s.inC), Int32(s.kernelH), Int32(s.kernelW),
                             Int32(s.strideH), Int32(s.strideW), Int32(g.padTop), Int32(g.padLeft), Int32(g.outH), Int32(g.outW),
                             weight, bias, y)
    }

    /// Scratch `conv2dDirectSIMD` needs for this shape.
    static func directPackedCount(_ s: Conv2DShape) -> Int { s.kernelH * s.kernelW * s.inC * s.outC }

    /// Direct convolution for few taps per output (kH·kW·inC ≤ 512) and outC a multiple of 8 up
    /// to 64 — a first layer on a grey frame, where im2col + sgemm has a 9- or 25-wide inner
    /// product. `packed` holds `directPackedCount(s)` floats. False (nothing written) for other
    /// shapes. Call only when `simd`.
    static func conv2dDirectSIMD(_ x: UnsafePointer<Float>, _ s: Conv2DShape, weight: UnsafePointer<Float>,
                                 bias: UnsafePointer<Float>?, packed: UnsafeMutablePointer<Float>,
                                 into y: UnsafeMutablePointer<Float>) -> Bool {
        let g = s.window
        return cvk_vision_conv_direct(x, Int32(s.inH), Int32(s.inW), Int32(s.inC), Int32(s.outC), Int32(s.kernelH),
                                      Int32(s.kernelW), Int32(s.strideH), Int32(s.strideW), Int32(g.padTop), Int32(g.padLeft),
                                      Int32(g.outH), Int32(g.outW), weight, bias, packed, y) != 0
    }

    /// y = PReLU(a + b) with a slope per channel over (pixels, channels). Call only when `simd`.
    static func addPreluSIMD(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, alpha: UnsafePointer<Float>,
                             pixels: Int, channels: Int, into y: UnsafeMutablePointer<Float>) {
        cvk_vision_add_prelu(a, b, alpha, pixels, channels, y)
    }
}
