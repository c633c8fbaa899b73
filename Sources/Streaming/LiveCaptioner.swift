import CaptionCore
import Features

/// The live path for every model: audio chunks and video frames on the capture clock in, caption
/// events out. It keeps the audio the policy may still need, runs the voice-activity detector
/// (whose decisions, with the audio, also go to the camera's `SpeakerActivity`), hands each VAD frame to `CaptionPolicy.step`
/// and carries out the actions it returns with the `StreamingModel`. Deterministic: time comes
/// only from the chunks.
///
/// Clock: one sample-index clock (`SampleIndex`), numbered from the first chunk's
/// `firstSampleIndex` and counting every sample on the capture clock (gaps filled, or skipped by a
/// long gap), so it follows the capture's numbering. The buffer, the VAD frames, the policy's
/// inputs and its decode actions are all positions on it; `policy.clock` converts to capture-clock
/// seconds only at the edges (chunk times in, the model's and the camera's seconds, events out).
public final class LiveCaptioner {
    public let model: StreamingModel
    public let configuration: StreamingConfiguration
    public internal(set) var policy: CaptionPolicy
    private let speaker: SpeakerActivity?
    private var tagging: SpeakerTagging
    private var vad: VoiceActivityDetector   // with the lowest floor only for the blank endpoint
    private let rate: Int
    /// The capture clock (CLOCK_MONOTONIC) when the audio is live: decodes are then paced by the
    /// measured compute (`LiveSchedule`); nil keeps the fixed schedule (deterministic).
    let scheduleClock: (() -> Double)?

    private var started = false                 // the clock is anchored at the first chunk
    private var buffer: [Float] = []            // samples from index `bufferStart`
    private var bufferStart: SampleIndex = 0
    private var rtf = 0.0

    /// Window decodes and final passes so far (for status and tests).
    public private(set) var decodeCount = 0
    public private(set) var finalPassCount = 0

    public init(model: StreamingModel, configuration: StreamingConfiguration = StreamingConfiguration(),
                speaker: SpeakerActivity? = nil,
                vad: VoiceActivityDetector.Configuration = VoiceActivityDetector.Configuration(),
                clock: (() -> Double)? = nil) throws {
        guard vad.sampleRate == model.sampleRate else {
            throw StreamingError.invalidConfiguration(parameter: "vad.sample_rate", value: "\(vad.sampleRate)",
                                                      reason: "expected \(model.sampleRate) (the model's audio rate)")
        }
        self.model = model
        self.configuration = configuration
        self.speaker = speaker
        self.tagging = SpeakerTagging(gate: configuration.video.gate, activity: speaker)
        self.rate = model.sampleRate
        self.policy = try CaptionPolicy(configuration: configuration, finalPassAvailable: model.hasFinalPass,
                                        clock: SampleClock(rate: model.sampleRate), incremental: model.incremental)
        self.vad = try VoiceActivityDetector(configuration: vad, reportsLowestFloor: policy.blankEndpoint.enabled)
        self.scheduleClock = clock
        if clock != nil {
            policy.schedule = LiveSchedule(configuration: configuration, enabled: true, rate: model.sampleRate,
                                           passContextSeconds: model.passContextSeconds)
        }
    }

    /// Seconds of compute per second of audio, over roughly the last 10 s.
    public var realTimeFactor: Double { rtf }

    /// Frames the camera analysis could not use (counted as dropped video).
    public var skippedFrames: Int { (speaker?.skippedFrames ?? 0) + ((model as? VideoStreamingModel)?.skippedFrames ?? 0) }

    /// A captured video frame (for the speaker gate, and the model when it reads the camera).
    public func accept(video frame: VideoFrame) {
        speaker?.accept(frame: frame)
        (model as? VideoStreamingModel)?.accept(frame: frame)
    }

    /// Where the camera's capture thread hands frames as they arrive, when the camera analysis runs
    /// on its own thread (frames then reach it before `accept(video:)`, which skips them for it).
    public var frameSink: VideoFrameSink? { speaker?.frameSink }
    /// Ends the camera analysis thread, waiting for its current frame (daemon shutdown).
    public func stopBackgroundWork() { speaker?.stopBackgroundWork() }

    /// Whether `accept(video:)` still needs the frames on this thread (a model that reads the
    /// camera, or an analysis without its own thread).
    public var needsFramesOnPipeline: Bool { model is VideoStreamingModel || (speaker != nil && speaker?.frameSink == nil) }

    /// Faces in view, the speaking face and the analysis rate; nil without camera analysis.
    public var videoStatus: VideoAnalysisStatus? { speaker?.status }

    /// Accepts the next chunk; returns the caption events it caused.
    public func accept(audio chunk: AudioChunk) throws -> [CaptionEvent] {
        guard chunk.sampleRate == rate else {
            throw StreamingError.invalidConfiguration(parameter: "audio", value: "\(chunk.sampleRate) Hz",
                                                      reason: "the capture must deliver \(rate) Hz audio")
        }
        let began = MonotonicClock.now()
        let events = try accept(chunk.samples[...], startTime: chunk.startTime,
                                firstSampleIndex: SampleIndex(clamping: chunk.firstSampleIndex))
        account(compute: MonotonicClock.now() - began, audio: Double(chunk.samples.count) / Double(rate))
        return events.compactMap(captionEvent)
    }

    /// Ends the current utterance now (SIGTERM, pause, end of input, model swap): its final.
    public func finishUtterance() throws -> [CaptionEvent] {
        try finish().compactMap(captionEvent)
    }

    /// End time of the audio accepted so far.
    public var audioEnd: Double { policy.clock.seconds(audioEndIndex) }

    /// The index of the next sample (just after the audio accepted so far).
    public var audioEndIndex: SampleIndex { bufferStart + SampleIndex(buffer.count) }

    // MARK: - Policy-level API (StreamingEvents; tests drive the captioner through these)

    /// Accepts 16-kHz mono samples whose first sample is at `startTime`. Gaps up to the window
    /// length are filled with silence; longer gaps restart the buffer. The first sample accepted
    /// is sample index 0.
    public func accept(_ samples: ArraySlice<Float>, startTime: Double) throws -> [StreamingEvent] {
        try accept(samples, startTime: startTime, firstSampleIndex: nil)
    }

    /// Ends the current utterance as a final, decoding once more first when audio arrived since.
    public func finish() throws -> [StreamingEvent] {
        try run(policy.step(.finish(at: audioEndIndex))).get()
    }

    // MARK: - Internals

    /// `firstSampleIndex` numbers the clock from the first chunk (nil: from 0); later chunks are
    /// placed by their time, so samples the capture lost still count.
    private func accept(_ samples: ArraySlice<Float>, startTime: Double,
                        firstSampleIndex: SampleIndex?) throws -> [StreamingEvent] {
        if let bad = samples.firstIndex(where: { !$0.isFinite }) {
            throw StreamingError.nonFiniteSample(time: startTime, index: bad - samples.startIndex)
        }
        guard startTime.isFinite else {
            throw StreamingError.invalidConfiguration(parameter: "audio", value: "start time \(startTime)",
                                                      reason: "the capture must stamp each chunk with a finite CLOCK_MONOTONIC time")
        }
        guard started else {
            started = true
            bufferStart = firstSampleIndex ?? 0
            policy.clock = SampleClock(rate: rate, anchorIndex: bufferStart, anchorTime: startTime)
            return try ingest(samples)
        }
        let gap = startTime - audioEnd
        if gap < -1.5 / Double(rate) { throw StreamingError.timeWentBackwards(expected: audioEnd, got: startTime) }
        let missing = policy.clock.samples(gap)
        guard missing > 0 else { return try ingest(samples) } // sub-sample jitter is absorbed
        if gap <= configuration.windowSeconds {
            return try ingest([Float](repeating: 0, count: Int(missing))[...]) + ingest(samples)
        }
        // A long gap: silence for the policy, then the buffer restarts at the new audio, and the
        // clock is anchored again there (the missing samples still count).
        let resume = audioEndIndex + missing
        let events = run(policy.step(.gap(start: audioEndIndex, end: resume)))
        buffer.removeAll()
        bufferStart = resume
        policy.clock = SampleClock(rate: rate, anchorIndex: resume, anchorTime: startTime)
        return try events.get() + ingest(samples)
    }

    private func ingest(_ samples: ArraySlice<Float>) throws -> [StreamingEvent] {
        let start = audioEnd   // the VAD (Features) speaks seconds
        buffer.append(contentsOf: samples)
        var events: [StreamingEvent] = []
        var failure: Error?
        for frame in vad.process(samples, startTime: start) {
            // The frame's times back on the sample clock (exact: the VAD counts samples from `start`).
            let first = policy.clock.index(frame.start), end = policy.clock.index(frame.end)
            if let speaker {
                let lo = Int(max(0, first - bufferStart)), hi = Int(min(SampleIndex(buffer.count), end - bufferStart))
                speaker.accept(audio: buffer[lo..<max(lo, hi)], start: frame.start, end: frame.end, voiced: frame.isSpeech)
            }
            if let clock = scheduleClock { policy.schedule.tick(now: policy.clock.index(clock())) }
            // Loudness: over the window's lowest floor for the incremental endpoint, else the VAD's
            // own energy rule (a re-decoding model's early pass, `CaptionPolicy.earlyFinalImminent`).
            let loud = frame.isLoudOverLowestFloor ?? frame.isLoud
            switch run(policy.step(.voice(isSpeech: frame.isSpeech, isLoud: loud, start: first, end: end))) {
            case .success(let e): events += e
            case .failure(let e): failure = failure ?? e
            }
            noteProgress(frameEnd: end)
            trimBuffer(now: end)
        }
        if let failure { throw failure }
        return events
    }

    /// Carries out actions until the policy asks for nothing more; a decode failure is reported
    /// after the step completes (the policy hears "nothing decoded").
    private func run(_ first: [CaptionPolicy.Action]) -> Result<[StreamingEvent], Error> {
        var queue = first[...]
        var events: [StreamingEvent] = []
        var failure: Error?
        while let action = queue.popFirst() {
            switch action {
            case .emit(let e):
                events.append(e)
            case let .decodeWindow(from, to, prompt):
                var h: Hypothesis?
                do { h = try measured(.window, from: from, to: to) { try model.decodeWindow($0, startTime: $1, prompt: prompt) } } catch {
                    failure = failure ?? StreamingError.decoderFailed(start: policy.clock.seconds(from), end: policy.clock.seconds(to),
                                                                      reason: "\(error)")
                }
                if h != nil { decodeCount += 1 }
                queue = policy.step(.windowDecoded(h))[...] + queue
            case let .decodeFinalPass(from, to, prompt):
                var h: Hypothesis?
                let early = policy.awaitsEarlyFinalPass
                do {
                    h = try measured(.finalPass, from: from, to: to) {
                        early ? try model.decodeEarlyPass($0, startTime: $1, prompt: prompt)
                              : try model.decodeUtterance($0, startTime: $1, prompt: prompt)
                    }
                } catch {
                    failure = failure ?? StreamingError.decoderFailed(start: policy.clock.seconds(from), end: policy.clock.seconds(to),
                                                                      reason: "final pass: \(error)")
                }
                if h != nil { finalPassCount += 1 }
                queue = policy.step(.finalPassDecoded(h))[...] + queue
            }
        }
        if let failure { return .failure(failure) }
        return .success(events)
    }

    /// Decodes the buffered samples [from, to) (clamped to the buffer) with the capture time of
    /// the first; nil when it is empty.
    func decode(from: SampleIndex, to: SampleIndex,
                _ body: (ArraySlice<Float>, Double) throws -> Hypothesis?) throws -> Hypothesis? {
        let lo = Int(max(0, from - bufferStart))
        let hi = Int(min(SampleIndex(buffer.count), to - bufferStart))
        guard hi > lo else { return nil }
        return try body(buffer[lo..<hi], policy.clock.seconds(bufferStart + SampleIndex(lo)))
    }

    /// Drops audio the policy no longer needs, in blocks of at least 0.25 s.
    private func trimBuffer(now: SampleIndex) {
        let drop = policy.audioNeeded(now: now) - bufferStart
        guard drop >= rate / 4 else { return }
        let n = Int(min(drop, SampleIndex(buffer.count)))
        buffer.removeFirst(n)
        bufferStart += SampleIndex(n)
    }

    /// Real-time factor as an exponential average over roughly the last 10 s of audio.
    private func account(compute: Double, audio: Double) {
        guard audio > 0 else { return }
        let weight = min(1, audio / 10)
        rtf = rtf * (1 - weight) + (compute / audio) * weight
    }

    private func captionEvent(_ e: StreamingEvent) -> CaptionEvent? {
        tagging.caption(e, lang: model.language)
    }
}
