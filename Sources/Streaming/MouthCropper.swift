import CaptionCore
import Features
import Foundation
import Vision

/// Turns a camera frame into the 64 × 64 mouth crop the audio-visual model reads.
public protocol MouthCropping: AnyObject {
    /// The crop of `frame`, or nil when it holds no usable mouth (no face found).
    func crop(_ frame: VideoFrame) throws -> [UInt8]?
}

/// The camera pipeline's crop (docs/MOUTH_CROP.md): Vision's face tracker (BlazeFace + FaceMesh)
/// finds the lip corners and `AffineCrop.mouth` samples the crop, the geometry the corpus uses for
/// its rendered faces. A frame that already is 64 × 64 is taken as a mouth crop as it is (the
/// corpus's `mouth.y4m`, or video cropped beforehand); the face models are loaded only for the
/// first full frame.
public final class TrackedMouthCropper: MouthCropping {
    public let facesDirectory: String
    private var tracker: FaceTracker?
    /// The face followed: the track id chosen first, while it stays on screen (else the largest).
    private var followed: Int?

    /// `facesDirectory` holds face_detection_short_range.tflite and face_landmark.tflite
    /// (`scripts/fetch-models faces`).
    public init(facesDirectory: String) { self.facesDirectory = facesDirectory }

    public func crop(_ frame: VideoFrame) throws -> [UInt8]? {
        let side = MouthCropSpec.size
        if frame.width == side, frame.height == side {
            guard frame.luma.count == side * side else {
                throw StreamingError.modelUnusable(model: "av", reason: "video frame \(frame.sequence): \(frame.luma.count) bytes for 64×64")
            }
            return frame.luma
        }
        let tracker = try loadTracker()
        let image = try GreyImage(width: frame.width, height: frame.height, pixels: frame.luma)
        let faces = try tracker.process(image)
        guard !faces.isEmpty else { followed = nil; return nil }
        let face = faces.first { $0.id == followed } ?? faces.max {
            ($0.box.xmax - $0.box.xmin) * ($0.box.ymax - $0.box.ymin) < ($1.box.xmax - $1.box.xmin) * ($1.box.ymax - $1.box.ymin)
        }
        guard let face else { return nil }
        followed = face.id
        return face.mouthCrop.sample(luma: frame.luma, width: frame.width, height: frame.height)
    }

    private func loadTracker() throws -> FaceTracker {
        if let tracker { return tracker }
        let detectorPath = (facesDirectory as NSString).appendingPathComponent("face_detection_short_range.tflite")
        let meshPath = (facesDirectory as NSString).appendingPathComponent("face_landmark.tflite")
        for path in [detectorPath, meshPath] where !FileManager.default.fileExists(atPath: path) {
            throw StreamingError.modelUnusable(model: "av", reason: "full camera frames need the face models: \(path) is missing (run scripts/fetch-models faces), or give 64×64 mouth crops")
        }
        let t = FaceTracker(detector: try BlazeFaceDetector(contentsOf: detectorPath),
                            landmarker: try FaceMeshModel(contentsOf: meshPath), detectEvery: 5, landmarkEvery: 1)
        tracker = t
        return t
    }
}
