import Foundation
import TestSupport
import XCTest
@testable import Vision

/// Paths and loaders shared by the Vision tests.
enum VisionFixtures {
    /// `photo` pasted at (40 + dx, 10 + dy) into a `width`×`height` frame of grey `background`,
    /// with `brightness` added to every pixel: a face moving inside a camera frame.
    static func frame(_ photo: GreyImage, width w: Int, height h: Int, dx: Int = 0, dy: Int = 0,
                      background: UInt8 = 90, brightness: Int = 0) throws -> GreyImage {
        var pixels = [UInt8](repeating: background, count: w * h)
        for y in 0..<photo.height {
            let ty = y + 10 + dy
            guard ty >= 0, ty < h else { continue }
            for x in 0..<photo.width {
                let tx = x + 40 + dx
                if tx >= 0 && tx < w { pixels[ty * w + tx] = photo.pixels[y * photo.width + x] }
            }
        }
        if brightness != 0 { pixels = pixels.map { UInt8(clamping: Int($0) + brightness) } }
        return try GreyImage(width: w, height: h, pixels: pixels)
    }

    static let dir = TestPaths.fixtures.appendingPathComponent("vision")

    static func modelPath(_ file: String) throws -> String {
        let url = TestPaths.modelsDir.appendingPathComponent("faces").appendingPathComponent(file)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw RequiredFixtures.missing("\(file) is not installed in \(url.deletingLastPathComponent().path): run scripts/fetch-models faces")
        }
        return url.path
    }

    static var detectorPath: String { get throws { try modelPath("face_detection_short_range.tflite") } }
    static var meshPath: String { get throws { try modelPath("face_landmark.tflite") } }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: dir.appendingPathComponent(name)))
    }

    static func floats(_ name: String) throws -> [Float] {
        let b = try bytes(name)
        return (0..<(b.count / 4)).map { i in
            Float(bitPattern: UInt32(b[4 * i]) | UInt32(b[4 * i + 1]) << 8 | UInt32(b[4 * i + 2]) << 16 | UInt32(b[4 * i + 3]) << 24)
        }
    }

    static func image(_ name: String) throws -> GreyImage { try GreyImage(pgm: try bytes(name), name: name) }

    struct Reference: Decodable {
        struct Face: Decodable {
            let score: Float
            let box: [Float]
            let keypoints: [[Float]]
            let landmarks: [[Float]]
            let presence_logit: Float
        }
        struct Image: Decodable { let image: String; let width: Int; let height: Int; let faces: [Face] }
        struct LFW: Decodable { let count: Int; let side: Int; let faces: Int; let detections: [Int] }
        let images: [Image]
        let lfw: LFW
    }

    static func reference() throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: dir.appendingPathComponent("reference.json")))
    }

    static func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    /// A random convolution for the kernel-against-reference tests: square k × k window, input
    /// (h, w, inC), weights (outC, k, k, inC) or, depthwise, (k, k, inC), drawn from `rng` in the
    /// order input, weights, bias; `output` is NaN-filled so an unwritten element shows.
    struct RandomConvolution {
        let shape: Conv2DShape
        let x: [Float], weight: [Float], bias: [Float]
        var output: [Float] { [Float](repeating: .nan, count: shape.window.outH * shape.window.outW * shape.outC) }
    }

    static func randomConvolution(_ rng: inout SeededRandom, h: Int, w: Int, inC: Int, outC: Int, k: Int, stride: Int,
                                  padding: TFLitePadding, depthwise: Bool = false) -> RandomConvolution {
        let shape = Conv2DShape(inH: h, inW: w, inC: inC, outC: outC, kernelH: k, kernelW: k, strideH: stride,
                                strideW: stride, padding: padding)
        let x = rng.floats(h * w * inC)
        let weight = rng.floats(depthwise ? k * k * inC : outC * k * k * inC)
        return RandomConvolution(shape: shape, x: x, weight: weight, bias: rng.floats(outC))
    }
}
