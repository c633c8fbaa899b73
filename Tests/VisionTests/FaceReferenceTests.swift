import TestSupport
import XCTest
@testable import Vision

/// BlazeFace and FaceMesh on the engine against the LiteRT reference (scripts/reference-faces.py):
/// raw outputs on fixed inputs, then detections and landmarks on real photographs. Run in release.
final class FaceReferenceTests: XCTestCase {
    func testDetectorRawOutputsMatchInterpreter() throws {
        let detector = try BlazeFaceDetector(contentsOf: try VisionFixtures.detectorPath)
        let image = try VisionFixtures.image("detector_input.pgm")
        let input = image.pixels.flatMap { v -> [Float] in let f = Float(v) / 127.5 - 1; return [f, f, f] }
        let (regressors, logits) = try detector.raw(input)
        let refR = try VisionFixtures.floats("detector_regressors.f32")
        let refC = try VisionFixtures.floats("detector_classificators.f32")
        XCTAssertEqual(regressors.count, refR.count)
        XCTAssertEqual(logits.count, refC.count)
        let dR = VisionFixtures.maxAbsDiff(regressors, refR), dC = VisionFixtures.maxAbsDiff(logits, refC)
        let scale = refR.map(abs).max() ?? 1
        print("BlazeFace raw vs LiteRT: regressors max |diff| \(dR) (max |value| \(scale)), logits max |diff| \(dC)")
        XCTAssertLessThan(dR, 2e-3 * max(scale, 1))
        XCTAssertLessThan(dC, 2e-3)
    }

    func testDetectorReferenceKernelsMatchFastKernels() throws {
        let fast = try TFLiteGraph(contentsOf: try VisionFixtures.detectorPath)
        let slow = try TFLiteGraph(contentsOf: try VisionFixtures.detectorPath, kernels: .reference)
        let image = try VisionFixtures.image("detector_input.pgm")
        let input = image.pixels.flatMap { v -> [Float] in let f = Float(v) / 127.5 - 1; return [f, f, f] }
        let a = try fast.run(input), b = try slow.run(input)
        let d = max(VisionFixtures.maxAbsDiff(a[0], b[0]), VisionFixtures.maxAbsDiff(a[1], b[1]))
        print("BlazeFace fast vs reference kernels: max |diff| \(d)")
        XCTAssertLessThan(d, 1e-3)
        // intermediate values are named after the graph's tensors
        XCTAssertEqual(fast.value(named: "conv2d")?.count, 64 * 64 * 24)
    }

    /// `run(grey:)` (the first convolution's weights summed over the three equal channels) gives
    /// the outputs of the three-channel input, for both graphs and both kernel sets, and the
    /// LiteRT reference within the raw tests' tolerances.
    func testGreyInputMatchesThreeEqualChannels() throws {
        let cases: [(String, String, Float, Float, [String])] = [
            (try VisionFixtures.detectorPath, "detector_input.pgm", 1 / 127.5, -1, ["detector_regressors.f32", "detector_classificators.f32"]),
            (try VisionFixtures.meshPath, "landmark_input.pgm", 1 / 255, 0, ["landmark_coords.f32", "landmark_presence.f32"]),
        ]
        for (path, picture, scale, offset, references) in cases {
            let grey = try VisionFixtures.image(picture).pixels.map { Float($0) * scale + offset }
            let rgb = grey.flatMap { [$0, $0, $0] }
            for kernels in [TFLiteGraph.KernelSet.fast, .reference] {
                let graph = try TFLiteGraph(contentsOf: path, kernels: kernels)
                XCTAssertTrue(graph.acceptsGrey)
                let a = try graph.run(grey: grey), b = try graph.run(rgb)
                for k in 0..<2 {
                    let ref = try VisionFixtures.floats(references[k])
                    let d = VisionFixtures.maxAbsDiff(a[k], b[k]), r = VisionFixtures.maxAbsDiff(a[k], ref)
                    let size = max(b[k].map(abs).max() ?? 1, 1)
                    print("\(URL(fileURLWithPath: path).lastPathComponent) \(kernels) output \(k): grey vs 3 channels max |diff| \(d), vs LiteRT \(r)")
                    XCTAssertLessThan(d, 1e-4 * size)
                    let mesh = path.hasSuffix("face_landmark.tflite")
                    XCTAssertLessThan(r, mesh ? (k == 0 ? 0.05 : 0.01) : 2e-3 * size)   // the raw tests' tolerances
                }
            }
            XCTAssertThrowsError(try TFLiteGraph(contentsOf: path).run(grey: [0, 1])) { error in
                XCTAssertTrue("\(error)".contains("2 values given"), "\(error)")
            }
        }
    }

    func testLandmarkRawOutputsMatchInterpreter() throws {
        let mesh = try FaceMeshModel(contentsOf: try VisionFixtures.meshPath)
        let image = try VisionFixtures.image("landmark_input.pgm")
        let input = image.pixels.flatMap { v -> [Float] in let f = Float(v) / 255; return [f, f, f] }
        let (coords, logit) = try mesh.raw(input)
        let ref = try VisionFixtures.floats("landmark_coords.f32")
        let refP = try VisionFixtures.floats("landmark_presence.f32")[0]
        let d = VisionFixtures.maxAbsDiff(coords, ref)
        print("FaceMesh raw vs LiteRT: coords max |diff| \(d) px of 192, presence logit \(logit) vs \(refP)")
        XCTAssertLessThan(d, 0.05)
        XCTAssertEqual(logit, refP, accuracy: 0.01)
    }

    func testDetectionsAndLandmarksOnPhotographsMatchReference() throws {
        let detector = try BlazeFaceDetector(contentsOf: try VisionFixtures.detectorPath)
        let mesh = try FaceMeshModel(contentsOf: try VisionFixtures.meshPath)
        let reference = try VisionFixtures.reference()
        var refFaces = 0, found = 0, falsePositives = 0
        var maxErr: Float = 0, sumErr: Float = 0, points = 0
        var minIoU: Float = 1
        for entry in reference.images {
            let image = try VisionFixtures.image(entry.image)
            let faces = try detector.detect(image)
            var matched = Set<Int>()
            for ref in entry.faces {
                refFaces += 1
                let r = FaceDetection(xmin: ref.box[0], ymin: ref.box[1], xmax: ref.box[2], ymax: ref.box[3], keypoints: [], score: ref.score)
                guard let best = faces.indices.max(by: { faces[$0].iou(r) < faces[$1].iou(r) }), faces[best].iou(r) > 0.5 else {
                    XCTFail("\(entry.image): reference face \(ref.box) not found (got \(faces.map { [$0.xmin, $0.ymin, $0.xmax, $0.ymax] }))")
                    continue
                }
                found += 1
                matched.insert(best)
                let iou = faces[best].iou(r)
                minIoU = min(minIoU, iou)
                XCTAssertEqual(faces[best].score, ref.score, accuracy: 0.05, "\(entry.image) score")
                // Landmarks from the reference's own ROI pipeline applied to our detection.
                let marks = try mesh.landmarks(image, roi: FaceRegion.fromDetection(faces[best]))
                var err: Float = 0
                for (i, p) in ref.landmarks.enumerated() {
                    let e = ((marks.points[i].x - p[0]) * (marks.points[i].x - p[0]) + (marks.points[i].y - p[1]) * (marks.points[i].y - p[1])).squareRoot()
                    err = max(err, e); sumErr += e; points += 1
                }
                maxErr = max(maxErr, err)
                let faceSize = ref.box[2] - ref.box[0]
                print("\(entry.image): IoU \(iou), score \(faces[best].score) vs \(ref.score), landmark max error \(err) px (face \(faceSize) px), presence \(marks.presence)")
                XCTAssertLessThan(err, 0.05 * faceSize, "\(entry.image): landmarks too far from the reference")
                XCTAssertGreaterThan(marks.presence, 0.5)
            }
            falsePositives += faces.count - matched.count
        }
        let mean = points > 0 ? sumErr / Float(points) : 0
        print("photos: \(found)/\(refFaces) reference faces found, \(falsePositives) extra detections, min IoU \(minIoU), "
              + "landmarks max \(maxErr) px mean \(mean) px")
        XCTAssertEqual(found, refFaces)
        XCTAssertEqual(falsePositives, 0)
        XCTAssertGreaterThan(minIoU, 0.8)
    }

    func testLFWRecallAndFalsePositives() throws {
        let detector = try BlazeFaceDetector(contentsOf: try VisionFixtures.detectorPath)
        let reference = try VisionFixtures.reference()
        let bytes = try VisionFixtures.bytes("lfw_subset.u8")
        let side = reference.lfw.side, n = reference.lfw.count
        XCTAssertEqual(bytes.count, n * side * side)
        var facesDetected = 0, nonFacesDetected = 0, agree = 0
        for k in 0..<n {
            let image = try GreyImage(width: side, height: side, pixels: Array(bytes[(k * side * side)..<((k + 1) * side * side)]))
            let count = try detector.detect(image).count
            if k < reference.lfw.faces { facesDetected += count > 0 ? 1 : 0 } else { nonFacesDetected += count > 0 ? 1 : 0 }
            agree += (count > 0) == (reference.lfw.detections[k] > 0) ? 1 : 0
        }
        let refFaces = reference.lfw.detections.prefix(reference.lfw.faces).filter { $0 > 0 }.count
        let refNon = reference.lfw.detections.dropFirst(reference.lfw.faces).filter { $0 > 0 }.count
        print("LFW: recall \(facesDetected)/100 faces (reference \(refFaces)), false positives \(nonFacesDetected)/100 non-faces "
              + "(reference \(refNon)), per-image agreement with the reference \(agree)/\(n)")
        XCTAssertGreaterThanOrEqual(facesDetected, 90)
        XCTAssertLessThanOrEqual(nonFacesDetected, 5)
        XCTAssertGreaterThanOrEqual(agree, n - 6)
    }
}

/// Per-operator time of both graphs (printed; speed is measured by `make bench`, not asserted).
final class VisionProfileTests: XCTestCase {
    func testPrintPerOperatorTime() throws {
        for path in [try VisionFixtures.detectorPath, try VisionFixtures.meshPath] {
            let graph = try TFLiteGraph(contentsOf: path)
            let input = [Float](repeating: 0.2, count: graph.inputShape.reduce(1, *))
            _ = try graph.run(input)
            graph.profiling = true
            let runs = 20
            let t0 = ThreadCPUTime.now()
            for _ in 0..<runs { _ = try graph.run(input) }
            let total = (ThreadCPUTime.now() - t0) / Double(runs) * 1000
            let parts = graph.stepSeconds.sorted { $0.value > $1.value }
                .map { String(format: "%@ %.2f", $0.key, $0.value / Double(runs) * 1000) }
            print("\(URL(fileURLWithPath: path).lastPathComponent): \(String(format: "%.2f", total)) ms CPU per run; ms by op: \(parts.joined(separator: ", "))")
        }
    }
}
