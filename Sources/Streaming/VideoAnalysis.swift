/// What the camera does for captions (`[video]` in captiond.toml; carried in
/// `StreamingConfiguration.video` so the recognizer factory and reload see it).
public enum VideoGate: String, CaseIterable, Sendable {
    /// Every word is captioned and tagged with its speaker (a face on camera, or off camera).
    case tag
    /// Captions only while a face on camera speaks: a television or a voice from the next room is
    /// not captioned. Speech with no face in view is dropped.
    case strict
    /// The camera does not touch captions (frames are still captured and counted).
    case off
}

public struct VideoAnalysisSettings: Equatable, Sendable {
    /// Video is captured (`video.enabled`); without it captions carry no speaker.
    public var enabled = false
    /// `video.gate`.
    public var gate: VideoGate = .tag
    /// Frames analysed per second at most (`video.analysis_fps`); camera frames beyond it are
    /// skipped by the face analysis (not dropped: they are still captured and counted).
    public var analysisFps: Double = 12
    /// The face detector runs every this many analysed frames; landmarks track in between.
    public var detectEvery = 6
    /// While faces are tracked the detector runs every this many analysed frames (2 s at 12/s):
    /// only to find new faces, a tracked face follows its own landmarks (`FaceTracker`).
    public var trackedDetectEvery = 24
    public init() {}

    /// True when captions use the camera.
    public var active: Bool { enabled && gate != .off }
}

/// What the face analysis reports for `status`.
public struct VideoAnalysisStatus: Equatable, Sendable {
    /// Faces tracked in the latest analysed frame (0 when frames stopped arriving).
    public var facesInView: Int
    /// The face judged to be speaking now, if any.
    public var speakingFace: Int?
    /// Frames analysed per second, and frames arriving per second, over the last 2 s.
    public var analysisFps: Double
    public var cameraFps: Double
    public init(facesInView: Int = 0, speakingFace: Int? = nil, analysisFps: Double = 0, cameraFps: Double = 0) {
        self.facesInView = facesInView; self.speakingFace = speakingFace
        self.analysisFps = analysisFps; self.cameraFps = cameraFps
    }
}
