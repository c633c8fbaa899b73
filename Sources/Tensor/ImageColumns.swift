/// The im2col layout of a 2-D convolution over one (C, H, W) image, and its adjoint col2im: the
/// one copy the audio-visual model's inference (Models) and its trainer (Training) share.
/// Column row `(c·k + ky)·k + kx`, column `oy·Wo + ox`; zero padding, square kernel and stride.
public struct ImageColumns: Sendable, Equatable {
    public let channels: Int, height: Int, width: Int, kernel: Int, stride: Int, padding: Int
    public let outputHeight: Int, outputWidth: Int

    public init(channels: Int, height: Int, width: Int, kernel: Int, stride: Int, padding: Int) {
        self.channels = channels; self.height = height; self.width = width
        self.kernel = kernel; self.stride = stride; self.padding = padding
        outputHeight = (height + 2 * padding - kernel) / stride + 1
        outputWidth = (width + 2 * padding - kernel) / stride + 1
    }

    /// x: (C, H, W) -> cols: (C·k·k, Ho·Wo).
    public func columns(_ x: [Float]) -> [Float] {
        var cols = [Float](repeating: 0, count: channels * kernel * kernel * outputHeight * outputWidth)
        forEachTap { col, src in cols[col] = x[src] }
        return cols
    }

    /// cols: (C·k·k, Ho·Wo) -> x: (C, H, W), overlapping taps summed (the adjoint of `columns`).
    public func image(_ cols: [Float]) -> [Float] {
        var x = [Float](repeating: 0, count: channels * height * width)
        forEachTap { col, src in x[src] += cols[col] }
        return x
    }

    /// Calls `body(column index, image index)` for every tap that falls inside the image.
    @inline(__always)
    private func forEachTap(_ body: (Int, Int) -> Void) {
        let k = kernel, l = outputHeight * outputWidth
        for c in 0..<channels {
            for ky in 0..<k {
                for kx in 0..<k {
                    let row = (c * k + ky) * k + kx
                    for oy in 0..<outputHeight {
                        let iy = oy * stride - padding + ky
                        guard iy >= 0 && iy < height else { continue }
                        for ox in 0..<outputWidth {
                            let ix = ox * stride - padding + kx
                            if ix >= 0 && ix < width { body(row * l + oy * outputWidth + ox, (c * height + iy) * width + ix) }
                        }
                    }
                }
            }
        }
    }
}
