import Tensor

/// Fast NHWC (batch 1) kernels for the TFLite graphs: convolution by im2col + sgemm on the
/// engine's `Kernels.linear`, and cache-friendly loops for depthwise convolution and pooling. Each
/// has a naive twin in `VisionReferenceKernels` with the same signature; VisionTests compares them.
public enum VisionKernels {
    /// y (outH, outW, outC) = conv(x (inH, inW, inC), W (outC, kH, kW, inC)) + b.
    /// `columns` is scratch of `shape.columnsCount` floats (unused for pointwise convolutions).
    public static func conv2d(_ x: UnsafePointer<Float>, _ s: Conv2DShape, weight: UnsafePointer<Float>,
                              bias: UnsafePointer<Float>?, columns: UnsafeMutablePointer<Float>,
                              into y: UnsafeMutablePointer<Float>) {
        let g = s.window
        let rows = g.outH * g.outW
        if s.isPointwise {
            // x: (H·W, inC) already; y = x · Wᵀ + b
            Kernels.linearSerial(x, rows: rows, inFeatures: s.inC, weight: weight, outFeatures: s.outC, bias: bias, into: y)
            return
        }
        let width = s.kernelH * s.kernelW * s.inC
        // columns: (outH·outW, kH·kW·inC); columns[r, (ky·kW + kx)·inC + c] = x[iy, ix, c] (0 outside)
        for oy in 0..<g.outH {
            for ox in 0..<g.outW {
                var row = columns + (oy * g.outW + ox) * width
                for ky in 0..<s.kernelH {
                    let iy = oy * s.strideH + ky - g.padTop
                    for kx in 0..<s.kernelW {
                        let ix = ox * s.strideW + kx - g.padLeft
                        if iy < 0 || iy >= s.inH || ix < 0 || ix >= s.inW {
                            row.update(repeating: 0, count: s.inC)
                        } else {
                            row.update(from: x + (iy * s.inW + ix) * s.inC, count: s.inC)
                        }
                        row += s.inC
                    }
                }
            }
        }
        // y: (outH·outW, outC) = columns · Wᵀ + b
        Kernels.linearSerial(columns, rows: rows, inFeatures: width, weight: weight, outFeatures: s.outC, bias: bias, into: y)
    }

    /// Depthwise convolution, depth multiplier 1: y[oy, ox, c] = Σ x[iy, ix, c]·W[0, ky, kx, c] + b[c].
    /// `s.outC` must equal `s.inC`. With stride 1 and `tiled` (the weights repeated along an
    /// output row, `depthwiseTiles`), each kernel tap is one long multiply-add over a row segment.
    public static func depthwiseConv2d(_ x: UnsafePointer<Float>, _ s: Conv2DShape, weight: UnsafePointer<Float>,
                                       bias: UnsafePointer<Float>?, tiled: UnsafePointer<Float>? = nil,
                                       into y: UnsafeMutablePointer<Float>) {
        let g = s.window, c = s.inC
        let rowLength = g.outW * c
        for oy in 0..<g.outH {
            let outRow = y + oy * rowLength
            if let bias {
                for ox in 0..<g.outW { (outRow + ox * c).update(from: bias, count: c) }
            } else {
                outRow.update(repeating: 0, count: rowLength)
            }
            for ky in 0..<s.kernelH {
                let iy = oy * s.strideH + ky - g.padTop
                if iy < 0 || iy >= s.inH { continue }
                let inRow = x + iy * s.inW * c
                for kx in 0..<s.kernelW {
                    if let tiled, s.strideW == 1 {
                        // ix = ox + kx − padLeft ∈ [0, inW) ⇔ ox ∈ [padLeft − kx, inW + padLeft − kx)
                        let lo = max(0, g.padLeft - kx), hi = min(g.outW, s.inW + g.padLeft - kx)
                        guard hi > lo else { continue }
                        let n = (hi - lo) * c
                        let o = outRow + lo * c, a = inRow + (lo + kx - g.padLeft) * c
                        let w = tiled + (ky * s.kernelW + kx) * rowLength
                        for i in 0..<n { o[i] += a[i] * w[i] }
                        continue
                    }
                    let w = weight + (ky * s.kernelW + kx) * c
                    for ox in 0..<g.outW {
                        let ix = ox * s.strideW + kx - g.padLeft
                        if ix < 0 || ix >= s.inW { continue }
                        let out = outRow + ox * c, inp = inRow + ix * c
                        for ch in 0..<c { out[ch] += inp[ch] * w[ch] }
                    }
                }
            }
        }
    }

    /// The depthwise weights repeated along an output row: (kH·kW, outW·C), for `depthwiseConv2d`.
    public static func depthwiseTiles(weight: UnsafePointer<Float>, _ s: Conv2DShape) -> [Float] {
        let c = s.inC, rowLength = s.window.outW * c
        var tiles = [Float](repeating: 0, count: s.kernelH * s.kernelW * rowLength)
        for tap in 0..<(s.kernelH * s.kernelW) {
            for ox in 0..<s.window.outW {
                for ch in 0..<c { tiles[tap * rowLength + ox * c + ch] = weight[tap * c + ch] }
            }
        }
        return tiles
    }

    /// Max pooling over a window; padded positions are ignored (as TFLite does).
    public static func maxPool2d(_ x: UnsafePointer<Float>, inH: Int, inW: Int, channels c: Int,
                                 filterH: Int, filterW: Int, strideH: Int, strideW: Int, window g: WindowGeometry,
                                 into y: UnsafeMutablePointer<Float>) {
        for oy in 0..<g.outH {
            for ox in 0..<g.outW {
                let out = y + (oy * g.outW + ox) * c
                out.update(repeating: -.infinity, count: c)
                for ky in 0..<filterH {
                    let iy = oy * strideH + ky - g.padTop
                    if iy < 0 || iy >= inH { continue }
                    for kx in 0..<filterW {
                        let ix = ox * strideW + kx - g.padLeft
                        if ix < 0 || ix >= inW { continue }
                        let inp = x + (iy * inW + ix) * c
                        for ch in 0..<c { out[ch] = max(out[ch], inp[ch]) }
                    }
                }
            }
        }
    }

    /// PReLU with a per-channel slope: y = x ≥ 0 ? x : α[c]·x over (pixels, channels).
    public static func prelu(_ x: UnsafePointer<Float>, pixels: Int, channels c: Int, alpha: UnsafePointer<Float>,
                             into y: UnsafeMutablePointer<Float>) {
        for p in 0..<pixels {   // branch-free: max(v, 0) + α·min(v, 0)
            let i = x + p * c, o = y + p * c
            for ch in 0..<c { let v = i[ch]; o[ch] = max(v, 0) + alpha[ch] * min(v, 0) }
        }
    }

    /// A fused activation in place.
    public static func activate(_ y: UnsafeMutablePointer<Float>, count: Int, _ a: TFLiteActivation) {
        switch a {
        case .none: return
        case .relu: for i in 0..<count { y[i] = max(y[i], 0) }
        case .relu6: for i in 0..<count { y[i] = min(max(y[i], 0), 6) }
        case .reluN1To1: for i in 0..<count { y[i] = min(max(y[i], -1), 1) }
        }
    }
}
