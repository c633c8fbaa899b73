/// What an incremental CTC model (the audio-visual model) read after its last emission: every CTC
/// step from `lastEmissionEnd` to `decodedEnd` was blank. Whisper re-decodes windows and has no
/// such run (nil).
public struct TrailingBlank: Equatable, Sendable {
    /// End of the last CTC step in the window whose best class was not blank (a character, a
    /// space or a repeat), capture clock (s); nil when every step of the window was blank.
    public var lastEmissionEnd: Double?
    /// End of the last frame the model has run (capture clock, s): the audio it has read.
    public var decodedEnd: Double

    public init(lastEmissionEnd: Double?, decodedEnd: Double) {
        self.lastEmissionEnd = lastEmissionEnd
        self.decodedEnd = decodedEnd
    }
}

/// The endpoint of an incremental model (`StreamingConfiguration.endpointBlankSeconds`): the
/// utterance ends once the model's CTC head has emitted nothing for `blank` of the audio it read
/// AND the signal has been quiet (the VAD's energy rule, without its hangover) for `blank`.
///
/// Either alone ends too soon: CTC emits each character as a one-step spike, so a held vowel is
/// a run of blanks while the signal is loud; a stop closure or a short pause between words is
/// quiet while the model still has characters to emit. Together they stand in for the VAD's
/// 200-ms hangover plus `endpoint_silence_ms`, which a re-decoding model (Whisper) needs and
/// which cost the incremental model 0.8 s per final. A pure value: frames and hypotheses in,
/// a decision out.
struct BlankEndpoint: Equatable {
    /// Blank and quiet needed (samples); 0: the rule is off.
    let blank: SampleIndex
    /// End of the last loud frame (energy rule alone).
    private(set) var lastLoudEnd: SampleIndex = .min
    /// End of the model's last emission in the open utterance (its start before any).
    private(set) var emittedUntil: SampleIndex = 0
    /// End of the audio the model has run.
    private(set) var decodedUntil: SampleIndex = 0
    /// After a blank endpoint the VAD may still say "speech" (its hangover): no new utterance
    /// opens until a loud frame.
    private(set) var awaitingLoud = false

    init(blank: SampleIndex) { self.blank = blank }

    var enabled: Bool { blank > 0 }

    /// A new utterance from `start`: nothing emitted, nothing read yet.
    mutating func open(at start: SampleIndex) {
        emittedUntil = start
        decodedUntil = start
        awaitingLoud = false
    }

    /// A VAD frame ending at `end`; `loud`: its energy rule.
    mutating func frame(loud: Bool, end: SampleIndex) {
        if loud { lastLoudEnd = max(lastLoudEnd, end); awaitingLoud = false }
    }

    /// The model's run for a window that began at `windowStart` (positions on the policy's clock).
    mutating func model(lastEmissionEnd: SampleIndex?, decodedEnd: SampleIndex, windowStart: SampleIndex) {
        emittedUntil = lastEmissionEnd ?? windowStart
        decodedUntil = decodedEnd
    }

    /// The utterance closed on this rule.
    mutating func closed() { awaitingLoud = true }

    /// True when the signal has been quiet for `blank` at `time`.
    func quiet(at time: SampleIndex) -> Bool {
        enabled && (lastLoudEnd == .min || time - lastLoudEnd >= blank)
    }

    /// True when the model's trailing blank run is long enough: it has read `blank` of audio
    /// after its last emission AND after the end of the loud signal, and emitted nothing there.
    /// A CTC head emits a sound's characters after the sound (with the shipped checkpoint, the
    /// last ones of "please", whose soft final /z/ the energy rule calls quiet): a blank run
    /// counted only from the last emission ended the utterance before the model had read the
    /// quiet audio that makes it emit them, and the final lost them (AVLiveEndpointTests).
    var modelBlank: Bool { enabled && decodedUntil - max(emittedUntil, lastLoudEnd) >= blank }

    /// True when the utterance ends at `time` (a quiet frame).
    func due(at time: SampleIndex, loud: Bool) -> Bool { !loud && quiet(at: time) && modelBlank }

    /// Where the ended utterance stops: the end of the loud signal or of the last emission.
    var speechEnd: SampleIndex { max(lastLoudEnd, emittedUntil) }
}
