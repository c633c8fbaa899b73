/// Naive twins of `VisionKernels`: the definitions written out element by element, used by tests
/// (and selectable in `TFLiteGraph` to run a whole graph on them).
public enum VisionReferenceKernels {
    public static func conv2d(_ x: UnsafePointer<Float>, _ s: Conv2DShape, weight: UnsafePointer<Float>,
                              bias: UnsafePointer<Float>?, columns: UnsafeMutablePointer<Float>,
                              into y: UnsafeMutablePointer<Float>) {
        let g = s.window
        for oy in 0..<g.outH {
            for ox in 0..<g.outW {
                for o in 0..<s.outC {
                    var acc: Float = bias?[o] ?? 0
                    for ky in 0..<s.kernelH {
                        for kx in 0..<s.kernelW {
                            let iy = oy * s.strideH + ky - g.padTop, ix = ox * s.strideW + kx - g.padLeft
                            guard iy >= 0, iy < s.inH, ix >= 0, ix < s.inW else { continue }
                            for c in 0..<s.inC {
                                acc += x[(iy * s.inW + ix) * s.inC + c]
                                    * weight[((o * s.kernelH + ky) * s.kernelW + kx) * s.inC + c]
                            }
                        }
                    }
                    y[(oy * g.outW + ox) * s.outC + o] = acc
                }
            }
        }
    }

    public static func depthwiseConv2d(_ x: UnsafePointer<Float>, _ s: Conv2DShape, weight: UnsafePointer<Float>,
                                       bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>) {
        let g = s.window
        for oy in 0..<g.outH {
            for ox in 0..<g.outW {
                for c in 0..<s.inC {
                    var acc: Float = bias?[c] ?? 0
                    for ky in 0..<s.kernelH {
                        for kx in 0..<s.kernelW {
                            let iy = oy * s.strideH + ky - g.padTop, ix = ox * s.strideW + kx - g.padLeft
                            guard iy >= 0, iy < s.inH, ix >= 0, ix < s.inW else { continue }
                            acc += x[(iy * s.inW + ix) * s.inC + c] * weight[(ky * s.kernelW + kx) * s.inC + c]
                        }
                    }
                    y[(oy * g.outW + ox) * s.inC + c] = acc
                }
            }
        }
    }

    public static func maxPool2d(_ x: UnsafePointer<Float>, inH: Int, inW: Int, channels c: Int,
                                 filterH: Int, filterW: Int, strideH: Int, strideW: Int, window g: WindowGeometry,
                                 into y: UnsafeMutablePointer<Float>) {
        for oy in 0..<g.outH {
            for ox in 0..<g.outW {
                for ch in 0..<c {
                    var m = -Float.infinity
                    for ky in 0..<filterH {
                        for kx in 0..<filterW {
                            let iy = oy * strideH + ky - g.padTop, ix = ox * strideW + kx - g.padLeft
                            guard iy >= 0, iy < inH, ix >= 0, ix < inW else { continue }
                            m = max(m, x[(iy * inW + ix) * c + ch])
                        }
                    }
                    y[(oy * g.outW + ox) * c + ch] = m
                }
            }
        }
    }
}
