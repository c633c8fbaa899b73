import CaptionCore

/// How the captioner keeps up (`LiveSchedule`): decode times measured on the injected clock, the
/// lag, and the warning when the model cannot keep up.
extension LiveCaptioner {
    /// Audio seconds captured but not yet decoded (0 without a clock).
    public var lag: Double { policy.schedule.lag }
    /// The largest lag so far.
    public var maxLag: Double { policy.schedule.maxLag }

    /// Set while the model cannot keep up on this machine: what is slow, and which model can.
    public var warning: String? {
        let s = policy.schedule
        guard s.cannotKeepUp else { return nil }
        var text = "model \(model.name) cannot keep up on this machine: a window decode takes "
            + format(s.windowDecodeSeconds ?? 0) + " s (step grown to " + format(s.stepSeconds)
            + " s), lag up to " + format(s.maxLag) + " s; captions arrive late"
        if let faster = model.fasterModel {
            text += "; model \(faster) keeps up (set model.name = \"\(faster)\")"
        } else {
            text += "; no smaller model: free CPU or raise streaming.step_ms"
        }
        return text
    }

    /// Runs a decode of samples [from, to), timing it on the clock for the schedule.
    func measured(_ kind: LiveSchedule.DecodeKind, from: SampleIndex, to: SampleIndex,
                  _ body: (ArraySlice<Float>, Double) throws -> Hypothesis?) throws -> Hypothesis? {
        guard let clock = scheduleClock else { return try decode(from: from, to: to, body) }
        let began = clock()
        let h = try decode(from: from, to: to, body)
        let took = clock() - began
        if h != nil { policy.schedule.decoded(kind, audioSamples: to - from, compute: took) }
        policy.schedule.tick(now: policy.clock.index(clock()))
        return h
    }

    /// Decoding is complete up to the last decode while an utterance is open, else up to `frameEnd`.
    func noteProgress(frameEnd: SampleIndex) {
        let p = policy
        let through = p.isActive ? max(p.lastDecodedEnd, p.utteranceStart) : frameEnd
        policy.schedule.progress(decodedThrough: through)
    }

    private func format(_ v: Double) -> String {
        let tenths = (v * 10).rounded() / 10
        return String(tenths)
    }
}
