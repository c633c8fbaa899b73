import Features

/// Drives the streaming policy from timestamped audio: keeps the current window's samples, runs
/// the VAD, calls the `WindowDecoder` every `step_ms` while an utterance is open, and feeds the
/// results to `CaptionPolicy`. Deterministic: time comes only from the chunks' timestamps.
public final class StreamingRecognizer {
    public let sampleRate = 16_000
    public let configuration: StreamingConfiguration
    public private(set) var policy: CaptionPolicy
    private var vad: VoiceActivityDetector
    private let decoder: WindowDecoder
    /// Decodes a whole utterance at its end for the final (nil: finals come from the windows).
    private let finalDecoder: WindowDecoder?

    private var buffer: [Float] = []   // samples from bufferStart, (n) at 16 kHz
    private var bufferStart = 0.0
    private var started = false
    private var lastDecodeAt = -Double.infinity
    private var lastDecodedEnd = -Double.infinity

    /// Number of decoder calls so far (for status and tests).
    public private(set) var decodeCount = 0
    /// Number of final-pass decodes so far.
    public private(set) var finalPassCount = 0

    /// - Parameter finalDecoder: decodes the whole utterance at its end (`finalPass` on); nil
    ///   keeps finals built from the window hypotheses.
    public init(decoder: WindowDecoder, finalDecoder: WindowDecoder? = nil,
                configuration: StreamingConfiguration = StreamingConfiguration(),
                vad: VoiceActivityDetector.Configuration = VoiceActivityDetector.Configuration()) throws {
        guard vad.sampleRate == sampleRate else {
            throw StreamingError.invalidConfiguration(parameter: "vad.sample_rate", value: "\(vad.sampleRate)",
                                                      reason: "expected 16000 (the recognizer's audio rate)")
        }
        self.decoder = decoder
        self.finalDecoder = configuration.finalPass ? finalDecoder : nil
        self.configuration = configuration
        self.policy = try CaptionPolicy(configuration: configuration)
        self.vad = try VoiceActivityDetector(configuration: vad)
    }

    /// Mouth activity from video: nil when there is no video, false suppresses speech.
    public func setMouthActivity(_ active: Bool?) { vad.mouthActive = active }

    /// End time of the audio accepted so far.
    public var audioEnd: Double { bufferStart + Double(buffer.count) / Double(sampleRate) }

    /// Accepts the next chunk (16 kHz mono) whose first sample is at `startTime`. Gaps up to the
    /// window length are filled with silence; longer gaps restart the buffer.
    public func accept(_ samples: ArraySlice<Float>, startTime: Double) throws -> [StreamingEvent] {
        if let bad = samples.firstIndex(where: { !$0.isFinite }) {
            throw StreamingError.nonFiniteSample(time: startTime, index: bad - samples.startIndex)
        }
        let rate = Double(sampleRate)
        var chunkStart = startTime
        if !started {
            started = true
            bufferStart = startTime
        } else {
            let gap = startTime - audioEnd
            if gap < -1.5 / rate { throw StreamingError.timeWentBackwards(expected: audioEnd, got: startTime) }
            let missing = Int((gap * rate).rounded())
            if missing > 0 {
                if gap <= configuration.windowSeconds {
                    let zeros = [Float](repeating: 0, count: missing)
                    var events = try ingest(zeros[...], at: audioEnd)
                    events += try ingest(samples, at: audioEnd)
                    return events
                }
                // A long gap: treat it as silence for the policy, then restart the buffer.
                var events = policy.voice(isSpeech: false, start: audioEnd, end: startTime)
                buffer.removeAll()
                bufferStart = startTime
                events += try ingest(samples, at: startTime)
                return events
            }
            chunkStart = audioEnd // absorb sub-sample jitter
        }
        return try ingest(samples, at: chunkStart)
    }

    /// Ends the current utterance as a final (SIGTERM path), decoding the window once more first
    /// when audio arrived since the last decode.
    public func finish() throws -> [StreamingEvent] {
        let now = audioEnd
        var events: [StreamingEvent] = []
        if policy.isActive, finalDecoder != nil {
            events += try decodeFinalPass(until: now)
        } else if policy.isActive, lastDecodedEnd < now - 1e-9, now - policy.windowStart > 0.1 {
            events += try decodeWindow(until: now)
        }
        return events + policy.finish(at: now)
    }

    // MARK: - Internals

    private func ingest(_ samples: ArraySlice<Float>, at startTime: Double) throws -> [StreamingEvent] {
        buffer.append(contentsOf: samples)
        var events: [StreamingEvent] = []
        for frame in vad.process(samples, startTime: startTime) {
            let ends = (!frame.isSpeech && policy.endpointDue(at: frame.end)) || policy.maxUtteranceDue(at: frame.end)
            if ends, finalDecoder != nil {
                // The final pass: the whole utterance once more, with the offline settings (also
                // for a forced final at the maximum utterance length).
                events += try decodeFinalPass(until: frame.end)
            } else if !frame.isSpeech, policy.endpointDue(at: frame.end), lastDecodedEnd < frame.end - 1e-9 {
                // A last look before the final: confirms (commits) the words of the utterance's end.
                events += try decodeWindow(until: frame.end)
            }
            events += policy.voice(isSpeech: frame.isSpeech, start: frame.start, end: frame.end)
            if policy.isActive, frame.end - lastDecodeAt >= configuration.stepSeconds - 1e-9,
               frame.end - policy.windowStart >= configuration.stepSeconds - 1e-9 {
                events += try decodeWindow(until: frame.end)
            }
            trimBuffer(now: frame.end)
        }
        return events
    }

    /// Decodes [policy.windowStart, end) and feeds the hypothesis to the policy.
    private func decodeWindow(until end: Double) throws -> [StreamingEvent] {
        let rate = Double(sampleRate)
        let from = max(0, Int(((policy.windowStart - bufferStart) * rate).rounded()))
        let to = min(buffer.count, Int(((end - bufferStart) * rate).rounded()))
        lastDecodeAt = end
        lastDecodedEnd = end
        guard to > from else { return [] }
        let start = bufferStart + Double(from) / rate
        let hypothesis: Hypothesis
        do {
            hypothesis = try decoder.decode(samples: buffer[from..<to], startTime: start, prompt: policy.prompt)
        } catch {
            throw StreamingError.decoderFailed(start: start, end: end, reason: "\(error)")
        }
        decodeCount += 1
        return policy.hypothesis(hypothesis, windowEnd: end)
    }

    /// Decodes [policy.utteranceAudioStart, end) with the final-pass decoder and hands the result
    /// to the policy, which makes it the final when it passes the guards.
    private func decodeFinalPass(until end: Double) throws -> [StreamingEvent] {
        guard let finalDecoder = finalDecoder else { return [] }
        let rate = Double(sampleRate)
        let from = max(0, Int(((policy.utteranceAudioStart - bufferStart) * rate).rounded()))
        let to = min(buffer.count, Int(((end - bufferStart) * rate).rounded()))
        guard to > from else { return [] }
        let start = bufferStart + Double(from) / rate
        let hypothesis: Hypothesis
        do {
            hypothesis = try finalDecoder.decode(samples: buffer[from..<to], startTime: start, prompt: policy.finalPassPrompt)
        } catch {
            throw StreamingError.decoderFailed(start: start, end: end, reason: "final pass: \(error)")
        }
        finalPassCount += 1
        policy.finalPass(hypothesis)
        return []
    }

    /// Drops audio before the window (while idle, keeps the preroll and the context).
    private func trimBuffer(now: Double) {
        // While active, keeps the utterance's own audio too when a final pass will need it.
        let keepFrom = policy.isActive
            ? (finalDecoder != nil ? min(policy.windowStart, policy.utteranceAudioStart) : policy.windowStart)
            : now - configuration.prerollSeconds - configuration.contextSeconds
        let drop = Int(((keepFrom - bufferStart) * Double(sampleRate)).rounded(.down))
        guard drop >= sampleRate / 4 else { return } // trim in blocks of ≥ 0.25 s
        let n = min(drop, buffer.count)
        buffer.removeFirst(n)
        bufferStart += Double(n) / Double(sampleRate)
    }
}
