/// What an incremental CTC model (the audio-visual model) read after its last emission: every CTC
/// step from `lastEmissionEnd` to `decodedEnd` was blank. Whisper re-decodes windows and has no
/// such run (nil).
public struct TrailingBlank: Equatable, Sendable {
    /// End of the last CTC step in the window whose best class was not blank (a character, a
    /// space or a repeat), capture clock (s); nil when every step of the window was blank.
    public var lastEmissionEnd: Double?
    /// End of the last frame the model has run (capture clock, s): the audio it has read.
    public var decodedEnd: Double
    /// Start of the trailing run of frames of digital silence (exact zeros: a noise-gated or muted
    /// input) up to `decodedEnd`, capture clock (s): the model emits nothing there by construction
    /// (`AVIncrementalDecoder` gives such a frame no class), so its blank is certain, not a wait.
    /// Nil when the last frame read held signal.
    public var silentSince: Double?

    public init(lastEmissionEnd: Double?, decodedEnd: Double, silentSince: Double? = nil) {
        self.lastEmissionEnd = lastEmissionEnd
        self.decodedEnd = decodedEnd
        self.silentSince = silentSince
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
    /// Start of the digital silence the model has read up to `decodedUntil` (nil: its last frame held signal).
    private(set) var silentFrom: SampleIndex?
    /// After a blank endpoint the VAD may still say "speech" (its hangover): no new utterance
    /// opens until a loud frame.
    private(set) var awaitingLoud = false

    init(blank: SampleIndex) { self.blank = blank }

    var enabled: Bool { blank > 0 }

    /// A new utterance from `start`: nothing emitted, nothing read yet.
    mutating func open(at start: SampleIndex) {
        emittedUntil = start
        decodedUntil = start
        silentFrom = nil
        awaitingLoud = false
    }

    /// A VAD frame ending at `end`; `loud`: its energy rule.
    mutating func frame(loud: Bool, end: SampleIndex) {
        if loud { lastLoudEnd = max(lastLoudEnd, end); awaitingLoud = false }
    }

    /// The model's run for a window that began at `windowStart` (positions on the policy's clock).
    mutating func model(lastEmissionEnd: SampleIndex?, decodedEnd: SampleIndex, windowStart: SampleIndex,
                        silentSince: SampleIndex? = nil) {
        emittedUntil = lastEmissionEnd ?? windowStart
        decodedUntil = decodedEnd
        silentFrom = silentSince.flatMap { $0 < decodedEnd ? $0 : nil }
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
    ///
    /// Or the model has read into digital silence (`TrailingBlank.silentSince`) after its last
    /// emission: a frame of zeros emits nothing by construction, so waiting `blank` of them only
    /// delays the final (the bench's clips end in zeros, as a noise-gated microphone's speech
    /// does). `quiet` still asks for `blank` without a loud frame, so a short gap of zeros between
    /// words ends nothing.
    var modelBlank: Bool {
        guard enabled else { return false }
        if let silentFrom, silentFrom >= emittedUntil { return true }
        return decodedUntil - max(emittedUntil, lastLoudEnd) >= blank
    }

    /// True when the utterance ends at `time` (a quiet frame).
    func due(at time: SampleIndex, loud: Bool) -> Bool { !loud && quiet(at: time) && modelBlank }

    /// Where the ended utterance stops: the end of the loud signal or of the last emission.
    var speechEnd: SampleIndex { max(lastLoudEnd, emittedUntil) }
}
