import Foundation

/// Who the synthetic speaker looks like: a randomised 2-D parametric face (shape, skin and lip tone,
/// lip thickness, eye and brow placement). One identity is reused across clips; the corpus's splits
/// hold out identities, so test faces are never seen in training.
public struct FaceIdentity: Sendable, Equatable, Codable {
    public var id: Int
    /// Face half-width as a fraction of the frame height, and height / width of the face ellipse.
    public var halfWidthFraction: Float
    public var aspect: Float
    public var skinLuma: Float
    /// Lips are this much darker than the skin (luma levels).
    public var lipContrast: Float
    /// Rest mouth half-width as a fraction of the face half-width, and the mouth's height below the
    /// face centre as a fraction of the face half-height.
    public var mouthHalfWidthFraction: Float
    public var mouthDrop: Float
    /// Upper and lower lip thickness as fractions of the rest mouth half-width.
    public var upperLip: Float
    public var lowerLip: Float
    public var cavityLuma: Float
    public var teethLuma: Float
    public var eyeSpacing: Float
    public var eyeHeight: Float
    public var hairLuma: Float

    /// The identity `id` drawn from `seed` (stable: the same id and seed give the same face).
    public init(id: Int, seed: UInt64) {
        var r = SplitMix(seed: seed, stream: "face", index: id)
        self.id = id
        halfWidthFraction = r.uniform(0.24, 0.32)
        aspect = r.uniform(1.3, 1.5)
        skinLuma = r.uniform(60, 205)
        lipContrast = r.uniform(18, 60)
        mouthHalfWidthFraction = r.uniform(0.34, 0.42)
        mouthDrop = r.uniform(0.42, 0.58)
        upperLip = r.uniform(0.20, 0.32)
        lowerLip = r.uniform(0.26, 0.40)
        cavityLuma = r.uniform(8, 40)
        teethLuma = r.uniform(165, 235)
        eyeSpacing = r.uniform(0.34, 0.46)
        eyeHeight = r.uniform(0.28, 0.40)
        hairLuma = r.uniform(10, 120)
    }
}

/// The recording conditions of one clip: framing, head pose and motion, lighting, blur and noise.
public struct SceneConditions: Sendable, Equatable, Codable {
    public var width: Int
    public var height: Int
    public var backgroundLuma: Float
    public var backgroundSlope: Float
    /// Face centre in pixels and overall scale.
    public var centreX: Float
    public var centreY: Float
    public var scale: Float
    public var roll: Float
    /// Head motion: amplitudes (pixels, radians, relative scale) and phases / frequencies.
    public var swayX: Float, swayY: Float, swayRoll: Float, swayScale: Float
    public var frequencyX: Float, frequencyY: Float, frequencyRoll: Float
    public var phaseX: Float, phaseY: Float, phaseRoll: Float
    /// Lighting: overall gain, and a left–right and top–bottom gradient across the face.
    public var gain: Float
    public var lightX: Float
    public var lightY: Float
    /// Gaussian blur (pixels, 0 = sharp) and sensor noise (luma levels, standard deviation).
    public var blurSigma: Float
    public var noiseSigma: Float
    /// Seed of the per-pixel sensor noise.
    public var noiseSeed: UInt64

    public init(width: Int, height: Int, random r: inout SplitMix) {
        self.width = width
        self.height = height
        let w = Float(width), h = Float(height)
        backgroundLuma = r.uniform(20, 230)
        backgroundSlope = r.uniform(-0.4, 0.4)
        centreX = w / 2 + r.uniform(-0.12, 0.12) * w
        centreY = h / 2 + r.uniform(-0.08, 0.08) * h
        scale = r.uniform(0.85, 1.15)
        roll = r.uniform(-0.14, 0.14)
        swayX = r.uniform(0, 3); swayY = r.uniform(0, 2); swayRoll = r.uniform(0, 0.05); swayScale = r.uniform(0, 0.03)
        frequencyX = r.uniform(0.1, 0.6); frequencyY = r.uniform(0.1, 0.6); frequencyRoll = r.uniform(0.1, 0.5)
        phaseX = r.uniform(0, 6.283); phaseY = r.uniform(0, 6.283); phaseRoll = r.uniform(0, 6.283)
        gain = r.uniform(0.7, 1.25)
        lightX = r.uniform(-0.35, 0.35)
        lightY = r.uniform(-0.2, 0.2)
        blurSigma = r.unit() < 0.3 ? 0 : r.uniform(0.3, 1.3)
        noiseSigma = r.uniform(0.5, 7)
        noiseSeed = r.next()
    }
}

/// The head's pose at one instant: face centre, roll and scale after the clip's motion.
public struct HeadPose: Sendable, Equatable {
    public var centreX: Float
    public var centreY: Float
    public var roll: Float
    public var scale: Float

    public init(_ c: SceneConditions, seconds t: Double) {
        let tf = Float(t), twoPi: Float = 2 * .pi
        centreX = c.centreX + c.swayX * sin(twoPi * c.frequencyX * tf + c.phaseX)
        centreY = c.centreY + c.swayY * sin(twoPi * c.frequencyY * tf + c.phaseY)
        roll = c.roll + c.swayRoll * sin(twoPi * c.frequencyRoll * tf + c.phaseRoll)
        scale = c.scale * (1 + c.swayScale * sin(twoPi * 0.5 * c.frequencyX * tf + c.phaseY))
    }
}
