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

    /// Decodes one window of `samples` whose first sample is at `startTime` (capture clock, s),
    /// prompted with the committed text that precedes it. Word times are absolute.
    func decodeWindow(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis
    /// Decodes a whole utterance for its final caption (the final pass).
    func decodeUtterance(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis
}

extension StreamingModel {
    public var name: String { "\(type(of: self))" }
    public var fasterModel: String? { nil }
}

/// What the camera says about speech, on the capture clock. The captioner asks it for every stretch
/// of audio; nil means "no opinion" (no video, or stale video) and never costs a word. Today's
/// implementation is the lower-centre motion gate (`MouthMotionActivity`); the Vision module's face
/// tracker with a per-face speaking probability will implement the same protocol (and may attach
/// a speaker to captions through it later).
public protocol SpeakerActivity: AnyObject {
    /// A captured frame (any thread that the captioner is called on).
    func accept(frame: VideoFrame)
    /// Whether someone on camera speaks at `time`: true, false (suppress speech), or nil.
    func speaking(at time: Double) -> Bool?
    /// Frames this analysis skipped (malformed or unusable), counted as dropped video.
    var skippedFrames: Int { get }
}
