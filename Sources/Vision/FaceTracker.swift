import Features

/// Finds faces in a frame (the detector stage, injected into `FaceTracker`).
public protocol FaceDetecting: AnyObject {
    func detect(_ image: GreyImage) throws -> [FaceDetection]
}

/// Estimates landmarks inside a region (the landmark stage, injected into `FaceTracker`).
public protocol LandmarkEstimating: AnyObject {
    func landmarks(_ image: GreyImage, roi: RotatedRect) throws -> FaceLandmarks
}

extension BlazeFaceDetector: FaceDetecting {}
extension FaceMeshModel: LandmarkEstimating {}

/// One tracked face in one frame: stable id, box and detector score, the lip landmarks, mouth
/// openness and the shared 64×64 mouth-crop geometry (docs/MOUTH_CROP.md).
public struct TrackedFace: Sendable {
    public let id: Int
    public let box: (xmin: Float, ymin: Float, xmax: Float, ymax: Float)
    public let score: Float
    public let presence: Float
    public let landmarks: FaceLandmarks
    public var upperLip: (x: Float, y: Float) { landmarks.point(FaceLandmarks.upperInnerLip) }
    public var lowerLip: (x: Float, y: Float) { landmarks.point(FaceLandmarks.lowerInnerLip) }
    public var leftCorner: (x: Float, y: Float) { landmarks.point(FaceLandmarks.leftMouthCorner) }
    public var rightCorner: (x: Float, y: Float) { landmarks.point(FaceLandmarks.rightMouthCorner) }

    /// Inner-lip gap (13–14) over mouth width (78–308).
    public var mouthOpenness: Float {
        func d(_ a: (x: Float, y: Float), _ b: (x: Float, y: Float)) -> Float { ((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y)).squareRoot() }
        let width = d(leftCorner, rightCorner)
        return width > 1e-3 ? d(upperLip, lowerLip) / width : 0
    }

    /// The mouth crop geometry (`AffineCrop.mouth`), sampled with `mouthCrop.sample(luma:…)`.
    public var mouthCrop: AffineCrop { AffineCrop.mouth(leftCorner: leftCorner, rightCorner: rightCorner) }
}

/// Faces across frames: landmarks every `landmarkEvery` frames (1 = every frame) from the
/// previous landmarks' region (MediaPipe's tracking loop), ids kept by box IoU, a face dropped
/// when its landmark presence falls below `minPresence`. The detector runs on the first frame,
/// then every `detectEvery` frames while no face is tracked and every `trackedDetectEvery`
/// frames while faces are (only to find new ones: a tracked face's region comes from its own
/// landmarks). A face lost brings the detector back on the next frame (MediaPipe runs it only
/// when tracking fails); a landmark presence below `redetectPresence` puts it back on the
/// `detectEvery` period. On frames without a landmark pass the previous faces are returned unchanged
/// (`lastFrameRanLandmarks` is false): the lower landmark rate is how the pipeline stays within
/// its CPU budget at 30 fps.
///
/// A new scene ends every track: on a cut (`cutDetector`: a different picture from the previous
/// frame) the tracks are dropped and the detector runs on that frame, so a face after the cut gets
/// a new id (its lip history starts again); a track whose landmarks jump (box IoU with its
/// previous landmark box below `minStepIoU`) also continues under a new id.
public final class FaceTracker {
    public let detector: FaceDetecting
    public let landmarker: LandmarkEstimating
    public var detectEvery: Int
    /// Detector period while at least one face is tracked (≥ `detectEvery` saves its cost).
    public var trackedDetectEvery: Int
    /// A tracked face whose landmark presence falls below this runs the detector every `detectEvery`.
    public var redetectPresence: Float = 0.8
    public var landmarkEvery: Int
    public var minPresence: Float = 0.5
    public var maxFaces = 4
    public var matchIoU: Float = 0.3
    /// Scene-cut detection between consecutive frames given to `process`; nil turns it off.
    public var cutDetector: SceneCutDetector? = SceneCutDetector()
    /// Least IoU between a track's landmark boxes on consecutive landmark passes; below it the
    /// landmarks jumped (another face, not the same one moving) and the track gets a new id.
    public var minStepIoU: Float = 0.2
    /// Scene cuts seen, and whether the last frame was one.
    public private(set) var cuts = 0
    public private(set) var lastFrameWasCut = false

    private struct Track {
        var id: Int; var roi: RotatedRect; var score: Float; var box: (Float, Float, Float, Float)
        /// The box came from landmarks (not from the detector).
        var landmarked = false
    }
    private var tracks: [Track] = []
    private var nextId = 1
    private var frameIndex = 0
    /// Frames since the detector last ran (large: run it on the next frame).
    private var sinceDetection = Int.max / 2
    /// A tracked face's presence is below `redetectPresence`.
    private var fading = false
    /// Per-stage thread CPU time of the last frame, seconds (for cost reports).
    public private(set) var lastDetectSeconds = 0.0, lastLandmarkSeconds = 0.0
    public private(set) var lastFrameRanDetector = false
    public private(set) var lastFrameRanLandmarks = false
    private var lastFaces: [TrackedFace] = []

    /// `trackedDetectEvery` nil: the same period as without faces (`detectEvery`).
    public init(detector: FaceDetecting, landmarker: LandmarkEstimating, detectEvery: Int = 5, landmarkEvery: Int = 1,
                trackedDetectEvery: Int? = nil) {
        self.detector = detector
        self.landmarker = landmarker
        self.detectEvery = max(detectEvery, 1)
        self.trackedDetectEvery = max(trackedDetectEvery ?? detectEvery, 1)
        self.landmarkEvery = max(landmarkEvery, 1)
    }

    /// Drops every track (ids are never reused) and the cut detector's previous frame.
    public func reset() { tracks = []; frameIndex = 0; sinceDetection = Int.max / 2; lastFaces = []; cutDetector?.reset() }

    public func process(_ image: GreyImage) throws -> [TrackedFace] {
        lastFrameWasCut = cutDetector?.isCut(image) ?? false
        if lastFrameWasCut {
            cuts += 1
            tracks = []; frameIndex = 0; sinceDetection = Int.max / 2; lastFaces = []
        }
        lastFrameRanDetector = sinceDetection >= (tracks.isEmpty || fading ? detectEvery : trackedDetectEvery)
        lastFrameRanLandmarks = lastFrameRanDetector || frameIndex % landmarkEvery == 0
        lastDetectSeconds = 0
        lastLandmarkSeconds = 0
        guard lastFrameRanLandmarks else {
            frameIndex += 1
            sinceDetection += 1
            return lastFaces
        }
        sinceDetection = lastFrameRanDetector ? 1 : sinceDetection + 1
        if lastFrameRanDetector {
            let t0 = ThreadCPUTime.now()
            let detections = try detector.detect(image)
            lastDetectSeconds = ThreadCPUTime.now() - t0
            for d in detections.prefix(maxFaces) {
                let box = (d.xmin, d.ymin, d.xmax, d.ymax)
                if let k = tracks.indices.max(by: { BoxMath.iou(tracks[$0].box, box) < BoxMath.iou(tracks[$1].box, box) }),
                   BoxMath.iou(tracks[k].box, box) > matchIoU {
                    tracks[k].score = d.score   // keep the landmark-driven region, refresh the score
                } else if tracks.count < maxFaces {
                    tracks.append(Track(id: nextId, roi: FaceRegion.fromDetection(d), score: d.score, box: box))
                    nextId += 1
                }
            }
        }
        frameIndex += 1
        let t1 = ThreadCPUTime.now()
        var faces: [TrackedFace] = []
        var kept: [Track] = []
        var lost = false
        fading = false
        for var track in tracks {
            let marks = try landmarker.landmarks(image, roi: track.roi)
            fading = fading || marks.presence < redetectPresence
            // a face tracked before and lost now; a fresh detection the landmarks reject is not
            // retried at once (a false detection would otherwise run both models every frame)
            guard marks.presence >= minPresence else { lost = lost || track.landmarked; continue }
            let b = FaceRegion.box(marks)
            let box = (b.xmin, b.ymin, b.xmax, b.ymax)
            if track.landmarked && BoxMath.iou(track.box, box) < minStepIoU {
                track.id = nextId   // the landmarks jumped to another face
                nextId += 1
            }
            track.box = box
            track.landmarked = true
            track.roi = FaceRegion.fromLandmarks(marks)
            // Two tracks converging on one face: keep the older id.
            if kept.contains(where: { BoxMath.iou($0.box, track.box) > 0.5 }) { continue }
            kept.append(track)
            faces.append(TrackedFace(id: track.id, box: b, score: track.score, presence: marks.presence, landmarks: marks))
        }
        tracks = kept
        if lost { sinceDetection = Int.max / 2 }   // tracking failed: look again next frame
        lastLandmarkSeconds = ThreadCPUTime.now() - t1
        lastFaces = faces
        return faces
    }
}

