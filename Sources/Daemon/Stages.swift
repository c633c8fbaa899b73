import Foundation
import CaptionCore
import Streaming

// Audio chunks and video frames are CaptionCore.AudioChunk and CaptionCore.VideoFrame.

/// What a read from a capture stage yields.
public enum StageRead<Item> {
    case item(Item)
    /// Nothing arrived within the timeout (the caller loops; the watchdog keeps being fed).
    case timeout
    /// The source is exhausted (end of a file source).
    case end
}

/// Running totals a capture stage reports (read from any thread).
public struct CaptureCounters: Equatable, Sendable {
    public var captured: Int
    public var dropped: Int
    public init(captured: Int = 0, dropped: Int = 0) { self.captured = captured; self.dropped = dropped }
}

/// The microphone (or a file standing in for it). Adapter seam for the Capture module.
public protocol AudioInput: AnyObject {
    /// Opens the device and starts capturing; throws with the device name and reason.
    func start() throws
    /// The next chunk, waiting at most `timeout` seconds (woken by the capture, not polling).
    /// Called from the pipeline thread only.
    func read(timeout: Double) throws -> StageRead<AudioChunk>
    func stop()
    /// Samples captured and dropped so far (thread-safe).
    var counters: CaptureCounters { get }
}

/// The camera (or a Y4M file): captured on its own thread, which hands each frame on at once
/// (`route`: to the face analysis' queue, and to the pipeline while it wants frames); no thread
/// sits between the camera and its consumers. Adapter seam for the Capture module.
public protocol VideoInput: AnyObject {
    func start() throws
    /// Any thread (the pipeline, every loop): where the capture thread hands frames from now on,
    /// and whether the pipeline wants them (kept for `take()`, bounded, the excess counted as
    /// dropped) or not (none kept, none dropped).
    func route(sink: VideoFrameSink?, keepFrames: Bool)
    /// Frames captured since the last call while the pipeline wanted them, oldest first; never
    /// blocks. The pipeline thread only.
    func take() -> [VideoFrame]
    func stop()
    /// Frames captured, and frames dropped anywhere before the pipeline got them (thread-safe).
    var counters: CaptureCounters { get }
}

/// Turns audio (and video) into caption events: `LiveCaptioner` in the service, fakes in tests.
/// All calls come from the daemon's pipeline thread. Events carry no `seq`: the daemon numbers
/// what it publishes.
public protocol CaptionRecognizer: AnyObject {
    /// Feeds captured audio; returns the partial and final events it produced.
    func accept(audio: AudioChunk) throws -> [CaptionEvent]
    /// Feeds a video frame (speaker gating); may ignore it.
    func accept(video: VideoFrame)
    /// Ends the current utterance now (SIGTERM, pause, end of input, model swap): its final event, if any.
    func finishUtterance() throws -> [CaptionEvent]
    /// Seconds of compute per second of audio, recently.
    var realTimeFactor: Double { get }
    /// Video frames the recognizer could not use (counted in `video_dropped`).
    var skippedFrames: Int { get }
    /// Audio seconds captured but not yet decoded, now and at most so far.
    var lag: Double { get }
    var maxLag: Double { get }
    /// Set while the recognizer cannot keep up (what is slow, which model can).
    var warning: String? { get }
    /// Faces in view, the speaking face and the analysis rate; nil without camera analysis.
    var videoStatus: VideoAnalysisStatus? { get }
    /// Where the capture thread hands frames as they arrive (any thread); nil: none.
    var frameSink: VideoFrameSink? { get }
    /// Whether `accept(video:)` needs the frames on the pipeline thread.
    var needsFramesOnPipeline: Bool { get }
    /// Ends the recognizer's own threads and waits for them (the daemon calls it before it
    /// returns, so no analysis runs while the process exits).
    func stopBackgroundWork()
}

public extension CaptionRecognizer {
    func accept(video: VideoFrame) {}
    var skippedFrames: Int { 0 }
    var lag: Double { 0 }
    var maxLag: Double { 0 }
    var warning: String? { nil }
    var videoStatus: VideoAnalysisStatus? { nil }
    var frameSink: VideoFrameSink? { nil }
    var needsFramesOnPipeline: Bool { true }
    func stopBackgroundWork() {}
}

/// The factories the daemon is assembled from. Tests inject fakes; `captiond` uses `live`.
/// `recognizer` loads the model: it runs on a loader thread, so it may block (the daemon gives up
/// on it after `Daemon.Options.modelLoadTimeout` and keeps the running recognizer).
public struct DaemonStages {
    public var audio: (DaemonConfig.Audio) throws -> AudioInput
    /// Called only when video is enabled.
    public var video: (DaemonConfig.Video) throws -> VideoInput
    public var recognizer: (ModelSettings, StreamingConfiguration) throws -> CaptionRecognizer

    public init(audio: @escaping (DaemonConfig.Audio) throws -> AudioInput,
                video: @escaping (DaemonConfig.Video) throws -> VideoInput,
                recognizer: @escaping (ModelSettings, StreamingConfiguration) throws -> CaptionRecognizer) {
        self.audio = audio; self.video = video; self.recognizer = recognizer
    }
}
