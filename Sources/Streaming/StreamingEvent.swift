/// A caption event produced by the streaming policy (no sequence number: the caption server
/// numbers the events it sends, once). The wire types are CaptionCore's
/// `CaptionPartial`/`CaptionFinal`; the daemon maps one to the other (named apart to avoid a clash
/// with `CaptionCore.CaptionEvent`).
public struct StreamingEvent: Equatable, Sendable {
    public enum Kind: String, Sendable { case partial, final }

    public var kind: Kind
    /// Utterance number, 1-based, consecutive over the events actually emitted.
    public var utterance: Int
    /// Partial: committed plus tentative text. Final: the utterance's text.
    public var text: String
    /// Committed (never revised) prefix of `text`; equals `text` on a final.
    public var stable: String
    /// Utterance start and the end of the audio the text covers (capture clock, seconds).
    public var start: Double
    public var end: Double
    /// Language code of the hypothesis, if known.
    public var lang: String?
    /// The words with times (finals; partials carry committed + tentative words).
    public var words: [Word]

    public init(kind: Kind, utterance: Int, text: String, stable: String, start: Double,
                end: Double, lang: String?, words: [Word]) {
        self.kind = kind; self.utterance = utterance; self.text = text
        self.stable = stable; self.start = start; self.end = end; self.lang = lang; self.words = words
    }
}
