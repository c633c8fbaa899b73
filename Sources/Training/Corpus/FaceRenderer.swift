import Features
import Foundation

/// A rendered frame (or a rectangular part of one) and the lip corners the crop is taken from.
public struct RenderedFrame: Sendable {
    public let width: Int
    public let height: Int
    /// 8-bit luma, `width × height`; pixels outside the rendered region are 0.
    public let luma: [UInt8]
    /// The subject's lip corners in pixel coordinates (image left first), as FaceMesh 78 / 308.
    public let leftCorner: (x: Float, y: Float)
    public let rightCorner: (x: Float, y: Float)
}

/// Draws the parametric face in luma: background, face ellipse with hair line, eyes, brows, nose
/// shadow and a mouth whose lips follow a `MouthShape`; then lighting, Gaussian blur and per-pixel
/// sensor noise. Every pixel is a pure function of (identity, conditions, shape, time, x, y), so a
/// sub-region renders to exactly the bytes the full frame has there.
public struct FaceRenderer: Sendable {
    public let identity: FaceIdentity
    public let conditions: SceneConditions

    public init(identity: FaceIdentity, conditions: SceneConditions) {
        self.identity = identity
        self.conditions = conditions
    }

    /// Face geometry at one instant.
    struct Geometry {
        var pose: HeadPose
        var faceA: Float, faceB: Float          // half-width, half-height of the face ellipse
        var mouthX: Float, mouthY: Float        // mouth centre (between the corners)
        var halfWidth: Float                    // mouth half-width now
        var restHalfWidth: Float
        var cosR: Float, sinR: Float
    }

    func geometry(shape: MouthShape, seconds: Double) -> Geometry {
        let pose = HeadPose(conditions, seconds: seconds)
        let a = identity.halfWidthFraction * Float(conditions.height) * pose.scale
        let b = a * identity.aspect
        let c = cos(pose.roll), s = sin(pose.roll)
        // The mouth sits below the face centre along the face's own vertical axis.
        let drop = identity.mouthDrop * b
        let rest = identity.mouthHalfWidthFraction * a
        return Geometry(pose: pose, faceA: a, faceB: b,
                        mouthX: pose.centreX - s * drop, mouthY: pose.centreY + c * drop,
                        halfWidth: rest * shape.width, restHalfWidth: rest, cosR: c, sinR: s)
    }

    /// The lip corners at one instant (subject's right corner = image left first).
    public func lipCorners(shape: MouthShape, seconds: Double) -> (left: (x: Float, y: Float), right: (x: Float, y: Float)) {
        let g = geometry(shape: shape, seconds: seconds)
        return ((g.mouthX - g.halfWidth * g.cosR, g.mouthY - g.halfWidth * g.sinR),
                (g.mouthX + g.halfWidth * g.cosR, g.mouthY + g.halfWidth * g.sinR))
    }

    /// Renders the frame; with `region` (x0, y0, x1, y1, exclusive ends) only the pixels there are
    /// computed (others stay 0), which is how the corpus makes crops without drawing whole frames.
    public func render(shape: MouthShape, seconds: Double, frameIndex: Int,
                       region: (x0: Int, y0: Int, x1: Int, y1: Int)? = nil) -> RenderedFrame {
        let w = conditions.width, h = conditions.height
        let g = geometry(shape: shape, seconds: seconds)
        let radius = conditions.blurSigma > 0 ? Int((conditions.blurSigma * 3).rounded(.up)) : 0
        let inner = region.map { (max($0.x0, 0), max($0.y0, 0), min($0.x1, w), min($0.y1, h)) } ?? (0, 0, w, h)
        // The blur reads `radius` pixels beyond the inner region (clamped at the frame's edges).
        let outer = (max(inner.0 - radius, 0), max(inner.1 - radius, 0), min(inner.2 + radius, w), min(inner.3 + radius, h))
        var sharp = [Float](repeating: 0, count: w * h)
        for y in outer.1..<outer.3 {
            for x in outer.0..<outer.2 {
                sharp[y * w + x] = shade(x: Float(x) + 0.5, y: Float(y) + 0.5, g: g, shape: shape)
            }
        }
        let blurred = radius > 0 ? blur(sharp, outer: outer, inner: inner, radius: radius) : sharp
        var luma = [UInt8](repeating: 0, count: w * h)
        for y in inner.1..<inner.3 {
            for x in inner.0..<inner.2 {
                let v = blurred[y * w + x] + conditions.noiseSigma * Self.pixelNoise(conditions.noiseSeed, frameIndex, x, y)
                luma[y * w + x] = UInt8(min(max(v + 0.5, 0), 255))
            }
        }
        let corners = lipCorners(shape: shape, seconds: seconds)
        return RenderedFrame(width: w, height: h, luma: luma, leftCorner: corners.left, rightCorner: corners.right)
    }

    /// Approximately standard-normal noise from a hash of (seed, frame, x, y): the sum of four
    /// 16-bit uniforms, centred and scaled to unit variance (Irwin–Hall).
    static func pixelNoise(_ seed: UInt64, _ frame: Int, _ x: Int, _ y: Int) -> Float {
        var r = SplitMix(seed: seed ^ (UInt64(frame) << 40) ^ (UInt64(y) << 20) ^ UInt64(x))
        let bits = r.next()
        var sum: Float = 0
        for k in 0..<4 { sum += Float((bits >> (16 * UInt64(k))) & 0xFFFF) / 65536 }
        return (sum - 2) * 1.7320508  // variance of the sum is 4/12
    }

    /// Separable Gaussian over `outer`, written for the pixels of `inner`.
    func blur(_ src: [Float], outer: (Int, Int, Int, Int), inner: (Int, Int, Int, Int), radius: Int) -> [Float] {
        let w = conditions.width
        var kernel = (-radius...radius).map { exp(-Float($0 * $0) / (2 * conditions.blurSigma * conditions.blurSigma)) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        var rows = src
        for y in outer.1..<outer.3 {
            for x in inner.0..<inner.2 {
                var acc: Float = 0
                for k in -radius...radius {
                    acc += kernel[k + radius] * src[y * w + min(max(x + k, outer.0), outer.2 - 1)]
                }
                rows[y * w + x] = acc
            }
        }
        var out = rows
        for y in inner.1..<inner.3 {
            for x in inner.0..<inner.2 {
                var acc: Float = 0
                for k in -radius...radius {
                    acc += kernel[k + radius] * rows[min(max(y + k, outer.1), outer.3 - 1) * w + x]
                }
                out[y * w + x] = acc
            }
        }
        return out
    }

    /// Coverage of an edge at signed distance `d` pixels (inside when negative), 1-pixel ramp.
    @inline(__always) static func cover(_ d: Float) -> Float { min(max(0.5 - d, 0), 1) }

    /// The luma at one point before blur and noise.
    func shade(x: Float, y: Float, g: Geometry, shape: MouthShape) -> Float {
        let c = conditions, id = identity
        var value = c.backgroundLuma * (1 + c.backgroundSlope * (x / Float(c.width) - 0.5))
        // Face-local coordinates: (fx, fy) along the face's axes, from its centre.
        let dx = x - g.pose.centreX, dy = y - g.pose.centreY
        let fx = g.cosR * dx + g.sinR * dy, fy = -g.sinR * dx + g.cosR * dy
        // The chin drops a little as the mouth opens.
        let jaw = fy > 0 ? 1 + 0.10 * shape.opening : 1
        let nx = fx / g.faceA, ny = fy / (g.faceB * jaw)
        let r = (nx * nx + ny * ny).squareRoot()
        let faceCover = Self.cover((r - 1) * min(g.faceA, g.faceB))
        guard faceCover > 0 else { return value }
        let lightFactor = c.gain * (1 + c.lightX * nx + c.lightY * ny) * (1 - 0.18 * r * r * r * r)
        var skin = id.skinLuma
        // Hair above the brow line.
        if ny < -0.62 { skin = id.hairLuma + (skin - id.hairLuma) * Self.cover((-0.62 - ny) * g.faceB * 0.5 - 0.5) }
        // Eyes and brows.
        let ex = abs(nx) - id.eyeSpacing, ey = ny + id.eyeHeight
        let eye = (ex * ex / 0.018 + ey * ey / 0.004).squareRoot()
        skin = skin + (id.cavityLuma + 15 - skin) * Self.cover((eye - 1) * 4)
        let browY = ey + 0.12
        let brow = (ex * ex / 0.03 + browY * browY / 0.0012).squareRoot()
        skin = skin + (id.hairLuma - skin) * 0.8 * Self.cover((brow - 1) * 3)
        // Nose shadow and nostrils.
        let noseY = ny - 0.18
        let nostril = ((abs(nx) - 0.07) * (abs(nx) - 0.07) / 0.0015 + noseY * noseY / 0.0008).squareRoot()
        skin = skin * (1 - 0.35 * Self.cover((nostril - 1) * 3))
        skin = skin * (1 - 0.08 * exp(-(nx + 0.06) * (nx + 0.06) / 0.002 - (ny + 0.05) * (ny + 0.05) / 0.02))
        skin = mouth(fx: fx, fy: fy, g: g, shape: shape, skin: skin)
        value = value + (skin * lightFactor - value) * faceCover
        return value
    }

    /// Lips, teeth, tongue and mouth cavity over `skin`, in face-local coordinates.
    func mouth(fx: Float, fy: Float, g: Geometry, shape: MouthShape, skin: Float) -> Float {
        let id = identity
        let mx = fx, my = fy - identity.mouthDrop * g.faceB  // relative to the mouth centre
        let u = mx / g.halfWidth
        guard abs(u) < 1.05 else { return skin }
        let rest = g.restHalfWidth
        let across = max(1 - u * u, 0)
        // Inner gap profile: rounder (elliptic) for rounded lips, flatter lens for spread lips.
        let power = 0.5 + 0.5 * (1 - shape.rounding)
        let gap = 1.5 * shape.opening * rest * Float(pow(Double(across), Double(power)))
        let innerTop = -0.38 * gap, innerBottom = 0.62 * gap
        let pressed: Float = shape.opening < 0.03 ? 0.85 : 1
        let pout = 1 + 0.45 * shape.rounding
        let bow = 1 - 0.3 * exp(-u * u / 0.015)
        let upper = id.upperLip * rest * pout * pressed * across.squareRoot() * bow
        let lower = id.lowerLip * rest * pout * pressed * Float(pow(Double(across), 0.45))
        let outerTop = innerTop - upper, outerBottom = innerBottom + lower
        let lip = skin - id.lipContrast
        // Lip coverage: between outer top and outer bottom, soft at the corners.
        let cornerFade = Self.cover((abs(u) - 1) * g.halfWidth)
        let lipCover = min(Self.cover(outerTop - my), Self.cover(my - outerBottom)) * cornerFade
        var value = skin + (lip - skin) * lipCover
        // Lip line shading (the upper lip is slightly darker, as lit from above).
        if my < innerTop { value -= 6 * lipCover }
        // Cavity with teeth and tongue.
        let cavityCover = min(Self.cover(innerTop - my), Self.cover(my - innerBottom)) * cornerFade
        if cavityCover > 0 {
            var inside = id.cavityLuma
            let teethDepth = shape.teeth * min(gap * 0.45 + 1, 0.16 * rest + 1)
            if my < innerTop + teethDepth && abs(u) < 0.75 { inside = id.teethLuma }
            let tongueTop = innerBottom - shape.tongue * gap * 0.45 * max(1 - u * u / 0.4, 0)
            if my > tongueTop && shape.tongue > 0 { inside = lip - 10 }
            value = value + (inside - value) * cavityCover
        }
        return value
    }

    /// The 64 × 64 mouth crop (docs/MOUTH_CROP.md) of this face at one instant, rendering only the
    /// part of the frame the crop reads.
    public func mouthCrop(shape: MouthShape, seconds: Double, frameIndex: Int) -> [UInt8] {
        let corners = lipCorners(shape: shape, seconds: seconds)
        let crop = AffineCrop.mouth(leftCorner: corners.left, rightCorner: corners.right)
        var x0 = Float.infinity, y0 = Float.infinity, x1 = -Float.infinity, y1 = -Float.infinity
        for (u, v) in [(0, 0), (crop.size - 1, 0), (0, crop.size - 1), (crop.size - 1, crop.size - 1)] {
            let p = crop.sourcePoint(u: u, v: v)
            x0 = min(x0, p.x); y0 = min(y0, p.y); x1 = max(x1, p.x); y1 = max(y1, p.y)
        }
        let region = (Int(x0.rounded(.down)) - 2, Int(y0.rounded(.down)) - 2, Int(x1.rounded(.up)) + 3, Int(y1.rounded(.up)) + 3)
        let frame = render(shape: shape, seconds: seconds, frameIndex: frameIndex, region: region)
        return crop.sample(luma: frame.luma, width: frame.width, height: frame.height)
    }
}
