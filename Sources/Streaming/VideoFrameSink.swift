import CaptionCore
import Vision

/// Takes camera frames from any thread as they arrive (the face analysis' queue, fed by the
/// camera's capture thread while the pipeline thread may be busy decoding).
public protocol VideoFrameSink: AnyObject, Sendable {
    func submit(_ frame: VideoFrame)
}

extension FaceAnalysisQueue: VideoFrameSink {}
