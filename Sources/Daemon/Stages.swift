import Foundation
import CaptionCore

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
    /// The next chunk, waiting at most `timeout` seconds. Called from the pipeline thread only.
    func read(timeout: Double) throws -> StageRead<AudioChunk>
    func stop()
    /// Samples captured and dropped so far (thread-safe).
    var counters: CaptureCounters { get }
}

/// The camera (or a Y4M file). Adapter seam for the Capture module.
public protocol VideoInput: AnyObject {
    func start() throws
    /// Called from the daemon's video thread only.
    func read(timeout: Double) throws -> StageRead<VideoFrame>
    func stop()
    /// Frames captured and dropped so far (thread-safe).
    var counters: CaptureCounters { get }
}

/// Turns audio into caption events. Adapter seam for Streaming + Models. All calls come from the
/// daemon's pipeline thread. Emitted partials/finals need not carry `seq`: the daemon numbers them.
public protocol CaptionRecognizer: AnyObject {
    /// Loads the model; READY=1 is sent only after this returns.
    func prepare() throws
    /// Feeds captured audio; returns the partial and final events it produced.
    func accept(audio: AudioChunk) throws -> [CaptionEvent]
    /// Feeds a video frame (for voice-activity gating); may ignore it.
    func accept(video: VideoFrame)
    /// Ends the current utterance now (SIGTERM, pause, end of input, model swap): its final event, if any.
    func finishUtterance() throws -> [CaptionEvent]
    /// Seconds of compute per second of audio, recently.
    var realTimeFactor: Double { get }
}

public extension CaptionRecognizer {
    func accept(video: VideoFrame) {}
}

/// The factories the daemon is assembled from. Tests inject fakes; `captiond` uses `live`.
public struct DaemonStages {
    public var audio: (DaemonConfig.Audio) throws -> AudioInput
    /// Called only when video is enabled.
    public var video: (DaemonConfig.Video) throws -> VideoInput
    public var recognizer: (DaemonConfig.Model, DaemonConfig.Streaming) throws -> CaptionRecognizer

    public init(audio: @escaping (DaemonConfig.Audio) throws -> AudioInput,
                video: @escaping (DaemonConfig.Video) throws -> VideoInput,
                recognizer: @escaping (DaemonConfig.Model, DaemonConfig.Streaming) throws -> CaptionRecognizer) {
        self.audio = audio; self.video = video; self.recognizer = recognizer
    }
}
