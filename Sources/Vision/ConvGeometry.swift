/// Output size and leading padding of a 2-D window (convolution or pooling) as TFLite computes
/// them: VALID → out = (in − k_eff) / s + 1, no padding; SAME → out = ceil(in / s), padding
/// total = max((out − 1)·s + k_eff − in, 0) with the smaller half before.
public struct WindowGeometry: Sendable, Equatable {
    public let outH: Int, outW: Int
    public let padTop: Int, padLeft: Int

    public init(inH: Int, inW: Int, kernelH: Int, kernelW: Int, strideH: Int, strideW: Int,
                dilationH: Int = 1, dilationW: Int = 1, padding: TFLitePadding) {
        let effH = (kernelH - 1) * dilationH + 1, effW = (kernelW - 1) * dilationW + 1
        switch padding {
        case .valid:
            outH = max(0, (inH - effH) / strideH + 1)
            outW = max(0, (inW - effW) / strideW + 1)
            padTop = 0
            padLeft = 0
        case .same:
            outH = (inH + strideH - 1) / strideH
            outW = (inW + strideW - 1) / strideW
            padTop = max((outH - 1) * strideH + effH - inH, 0) / 2
            padLeft = max((outW - 1) * strideW + effW - inW, 0) / 2
        }
    }
}

/// Parameters of a 2-D convolution over one NHWC image (batch 1).
public struct Conv2DShape: Sendable {
    public let inH: Int, inW: Int, inC: Int
    public let outC: Int
    public let kernelH: Int, kernelW: Int
    public let strideH: Int, strideW: Int
    public let window: WindowGeometry

    public init(inH: Int, inW: Int, inC: Int, outC: Int, kernelH: Int, kernelW: Int,
                strideH: Int, strideW: Int, padding: TFLitePadding) {
        self.inH = inH; self.inW = inW; self.inC = inC; self.outC = outC
        self.kernelH = kernelH; self.kernelW = kernelW; self.strideH = strideH; self.strideW = strideW
        window = WindowGeometry(inH: inH, inW: inW, kernelH: kernelH, kernelW: kernelW,
                                strideH: strideH, strideW: strideW, padding: padding)
    }

    /// im2col scratch size: outH·outW rows of kernelH·kernelW·inC.
    public var columnsCount: Int { window.outH * window.outW * kernelH * kernelW * inC }
    /// Whether the input already is the im2col matrix (1×1 kernel, stride 1).
    public var isPointwise: Bool { kernelH == 1 && kernelW == 1 && strideH == 1 && strideW == 1 }
}
