import Foundation
import TestSupport
import XCTest
@testable import Vision

/// Paths and loaders shared by the Vision tests.
enum VisionFixtures {
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
}
