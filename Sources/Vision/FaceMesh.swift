import Foundation

/// 468 FaceMesh landmarks of one face in image pixels (x, y; z in the same scale) and the
/// face-presence probability.
public struct FaceLandmarks: Sendable {
    public var points: [(x: Float, y: Float, z: Float)]
    public var presence: Float
    /// The region they were computed from.
    public var roi: RotatedRect

    public static let count = 468
    /// FACEMESH_LIPS indices: inner-lip centre upper / lower, mouth corners.
    public static let upperInnerLip = 13, lowerInnerLip = 14, leftMouthCorner = 78, rightMouthCorner = 308
    /// Eye outer corners MediaPipe uses to align the tracking ROI.
    public static let rightEyeOuter = 33, leftEyeOuter = 263

    public func point(_ i: Int) -> (x: Float, y: Float) { (points[i].x, points[i].y) }
}

/// MediaPipe's FaceMesh landmark model on the engine: a 192×192 crop of the rotated face ROI in
/// [0, 1], 468 × (x, y, z) in crop pixels plus a presence logit, projected back into the image.
public final class FaceMeshModel {
    public static let inputSide = 192
    public let graph: TFLiteGraph

    public init(contentsOf path: String, kernels: TFLiteGraph.KernelSet = .fast) throws {
        graph = try TFLiteGraph(contentsOf: path, kernels: kernels)
        guard graph.inputShape == [1, 192, 192, 3], graph.outputShapes.count == 2,
              graph.outputShapes[0].reduce(1, *) == 1404, graph.outputShapes[1].reduce(1, *) == 1 else {
            throw VisionError.wrongFormat(path: path, reason: "FaceMesh takes [1, 192, 192, 3] and gives 1404 + 1 values; "
                                          + "this graph has \(graph.inputShape) → \(graph.outputShapes)")
        }
    }

    /// Raw outputs for a prepared input (1×192×192×3 in [0, 1]): 1404 coordinates, presence logit.
    public func raw(_ input: [Float]) throws -> (coords: [Float], presenceLogit: Float) {
        let out = try graph.run(input)
        return (out[0], out[1].first ?? -.infinity)
    }

    /// Landmarks of the face in `roi` of `image`.
    public func landmarks(_ image: GreyImage, roi: RotatedRect) throws -> FaceLandmarks {
        let grey = graph.acceptsGrey   // one channel instead of three equal ones (TFLiteGraph+Grey.swift)
        let input = ImageSampling.crop(image, roi: roi, side: Self.inputSide, scale: 1 / 255, offset: 0, channels: grey ? 1 : 3)
        let out = grey ? try graph.run(grey: input) : try graph.run(input)
        let (coords, logit) = (out[0], out[1].first ?? -.infinity)
        let side = Float(Self.inputSide)
        var points: [(x: Float, y: Float, z: Float)] = []
        points.reserveCapacity(FaceLandmarks.count)
        let c = cosf(roi.rotation), s = sinf(roi.rotation)   // roi.imagePoint with the rotation computed once
        for i in 0..<FaceLandmarks.count {
            let dx = (coords[3 * i] / side - 0.5) * roi.width, dy = (coords[3 * i + 1] / side - 0.5) * roi.height
            points.append((roi.centreX + c * dx - s * dy, roi.centreY + s * dx + c * dy, coords[3 * i + 2] / side * roi.width))
        }
        return FaceLandmarks(points: points, presence: 1 / (1 + expf(-logit)), roi: roi)
    }
}

/// The regions FaceMesh looks at (MediaPipe's detection → ROI and landmarks → ROI).
public enum FaceRegion {
    /// Angle that makes the line from `a` to `b` horizontal, normalised to [−π, π).
    static func rotation(from a: (x: Float, y: Float), to b: (x: Float, y: Float)) -> Float {
        let angle = -atan2f(a.y - b.y, b.x - a.x)
        return angle - 2 * Float.pi * ((angle + Float.pi) / (2 * Float.pi)).rounded(.down)
    }

    /// The detection's box, squared on its long side, scaled by 1.5 and rotated so the eye
    /// keypoints are level.
    public static func fromDetection(_ d: FaceDetection, scale: Float = 1.5) -> RotatedRect {
        let long = max(d.width, d.height) * scale
        let rot = d.keypoints.count >= 2 ? rotation(from: d.keypoints[0], to: d.keypoints[1]) : 0
        return RotatedRect(centreX: (d.xmin + d.xmax) / 2, centreY: (d.ymin + d.ymax) / 2,
                           width: long, height: long, rotation: rot)
    }

    /// The next frame's region from this frame's landmarks: rotation from the eye outer corners
    /// (33 → 263), the landmarks' bounding box in that rotated frame, squared and scaled by 1.5.
    public static func fromLandmarks(_ l: FaceLandmarks, scale: Float = 1.5) -> RotatedRect {
        let rot = rotation(from: l.point(FaceLandmarks.rightEyeOuter), to: l.point(FaceLandmarks.leftEyeOuter))
        let c = cosf(rot), s = sinf(rot)
        var minU = Float.infinity, maxU = -Float.infinity, minV = Float.infinity, maxV = -Float.infinity
        for p in l.points {   // into the rotated frame: R(−rot)·p
            let u = c * p.x + s * p.y, v = -s * p.x + c * p.y
            minU = min(minU, u); maxU = max(maxU, u); minV = min(minV, v); maxV = max(maxV, v)
        }
        let cu = (minU + maxU) / 2, cv = (minV + maxV) / 2
        let long = max(maxU - minU, maxV - minV) * scale
        return RotatedRect(centreX: c * cu - s * cv, centreY: s * cu + c * cv, width: long, height: long, rotation: rot)
    }

    /// The axis-aligned box around a set of landmarks.
    public static func box(_ l: FaceLandmarks) -> (xmin: Float, ymin: Float, xmax: Float, ymax: Float) {
        var b = (xmin: Float.infinity, ymin: Float.infinity, xmax: -Float.infinity, ymax: -Float.infinity)
        for p in l.points { b.xmin = min(b.xmin, p.x); b.ymin = min(b.ymin, p.y); b.xmax = max(b.xmax, p.x); b.ymax = max(b.ymax, p.y) }
        return b
    }
}
