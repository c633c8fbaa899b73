import CaptionCore

/// The model behind `LiveCaptioner`. Whisper (`WhisperStreamingModel`) re-decodes a window of the
/// open utterance every step and decodes the whole utterance once more at its end; word times and
/// probabilities come back in the `Hypothesis`.
///
/// A truly incremental model (the audio-visual model's causal encoders: feed a frame, get the
/// characters it emits) fits the same captioner as a model whose `decodeWindow` consumes only the
/// audio after what it has already seen (`incremental == true`): the policy then asks for the
/// window from the last decoded sample, and the hypothesis is the text emitted so far.
public protocol StreamingModel: AnyObject {
    /// Audio rate the model takes (Hz); the captioner refuses chunks at another rate.
    var sampleRate: Int { get }
    /// Language code the captions carry when the hypothesis does not name one ("en", "auto").
    var language: String { get }
    /// True when the model keeps its own state across windows (see above); false re-decodes.
    var incremental: Bool { get }
    /// True when `decodeUtterance` gives a better final than the window hypotheses.
    var hasFinalPass: Bool { get }
    /// The model's name as configured (for messages).
    var name: String { get }
    /// A faster model of the same family that serves the same language, named as `model.name`
    /// takes it (the warning when this one cannot keep up names it); nil when there is none.
    var fasterModel: String? { get }
    /// Audio the final pass encodes whatever the utterance's length (s): Whisper's pass encodes a
    /// 30-s context, so a 2-s utterance's pass costs about what a 10-s one's does. The live
    /// schedule predicts a pass's cost from it. Default 0: proportional to the audio.
    var passContextSeconds: Double { get }

    /// Decodes one window of `samples` whose first sample is at `startTime` (capture clock, s),
    /// prompted with the committed text that precedes it. Word times are absolute.
    func decodeWindow(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis
    /// Decodes a whole utterance for its final caption (the final pass).
    func decodeUtterance(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis
    /// The final pass run early, in a pause (`EarlyFinal`): speculative, so it may be cheaper than
    /// `decodeUtterance` and decline (nil) where the final pass would have had to retry; the
    /// endpoint then runs `decodeUtterance`. Default: `decodeUtterance`.
    func decodeEarlyPass(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis?
}

extension StreamingModel {
    public func decodeEarlyPass(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis? {
        try decodeUtterance(samples, startTime: startTime, prompt: prompt)
    }

    public var name: String { "\(type(of: self))" }
    public var fasterModel: String? { nil }
    public var passContextSeconds: Double { 0 }
}

/// What the camera says about who speaks, on the capture clock (`FaceSpeakerActivity`: Vision's
/// face tracker and speaking score). The captioner gives it every frame and every VAD frame of
/// audio, then asks it to label each caption (`video.gate = "tag"`) or, in `"strict"`, which words
/// a face on camera spoke. It never vetoes the voice-activity detector: no face in view never costs
/// a word unless the strict gate is on.
public protocol SpeakerActivity: AnyObject {
    /// A captured frame (from the thread the captioner is called on).
    func accept(frame: VideoFrame)
    /// One VAD frame of audio [start, end) with the detector's decision.
    func accept(audio samples: ArraySlice<Float>, start: Double, end: Double, voiced: Bool)
    /// Who spoke over [start, end]: a face on camera, off camera, or nil when there was no video.
    func speaker(from start: Double, to end: Double) -> CaptionSpeaker?
    /// Whether a face on camera spoke within [start, end] (the strict gate).
    func faceSpoke(from start: Double, to end: Double) -> FaceSpoke
    /// Audio time up to which the camera has judged who speaks.
    var judgedUntil: Double { get }
    /// Frames this analysis could not use (malformed), counted as dropped video.
    var skippedFrames: Int { get }
    /// Faces in view, the speaking face and the analysis rate (for `status`).
    var status: VideoAnalysisStatus { get }
    /// Where another thread may hand frames as they arrive (the analysis runs on its own
    /// thread); nil when frames go only through `accept(frame:)`.
    var frameSink: VideoFrameSink? { get }
    /// Ends any thread of its own and waits for it (before the process exits).
    func stopBackgroundWork()
}

public extension SpeakerActivity {
    var frameSink: VideoFrameSink? { nil }
    func stopBackgroundWork() {}
}

/// The strict gate's answer for a stretch of time.
public enum FaceSpoke: Equatable, Sendable {
    case yes, no
    /// The audio up to the end of the stretch has not been judged yet.
    case undecided
    /// No frames arrived over the stretch: the camera has no opinion (nothing is dropped).
    case noVideo
}
