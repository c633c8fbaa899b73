import CaptionCore
import Features
import Foundation
import Models
import Vision

/// The audio-visual model run as the signals arrive, for the live captioner and the offline
/// commands alike: 16-kHz samples go through the incremental log-mel (`StreamingLogMel`, equal to
/// the trainer's whole-clip log-mel) and mouth crops queue with their capture times; model frame k
/// (40 ms of audio from the grid's origin, the mouth at its centre) runs through `AVStream` once
/// its four log-mel frames exist and its crop is known. Each frame is encoded once; the text of any
/// time range is the search's over the frames in it (`CTCPrefixBeamSearch`, `AVDecoding`), or
/// their best-path CTC collapse without a search.
///
/// Crop of frame k (centre c = origin + 0.04 k + 0.02 s): the newest queued crop stamped at or
/// before c, decided once a later crop arrived, or once the audio is `videoWait` seconds past c
/// (the previous crop is held), or at the end of a clip. Without video the frame gets a blank
/// (zero) crop; a decoder built with `useVideo: false` ignores crops altogether (audio only).
public final class AVIncrementalDecoder {
    public let recognizer: AVRecognizer
    public let useAudio: Bool
    public let useVideo: Bool
    /// Seconds the audio may run ahead of the newest crop before a frame is decided without it.
    public var videoWait = 0.3
    public static let frameSeconds = 0.04
    static let samplesPerFrame = 640

    private(set) var stream: AVStream
    private var mel = StreamingLogMel(melBins: 80, padding: 160)
    private var pendingMel: [Float] = []            // normalised mel rows not yet consumed (rows × bins)
    private var crops: [(time: Double, crop: [Float])] = []
    private var heldCrop: [Float]
    public private(set) var origin: Double
    public private(set) var samplesFed = 0
    /// Frames run so far since the origin.
    public private(set) var framesDone = 0
    /// Per CTC step run: the best class and its log-probability (step `firstKeptFrame·subframes + i`);
    /// `silent`: the frame was digital silence past the grace (`silenceGraceFrames`), so the step is
    /// blank whatever the model says.
    private var best: [(label: Int, logProb: Float, silent: Bool)] = []
    /// With a search (`CTCPrefixBeamSearch`: beam and character language model) the text of a range
    /// is that search over the range's CTC steps instead of the best path; `logProbs` then keeps
    /// every kept step's log-softmax row (classes values per step, aligned with `best`).
    public let search: CTCPrefixBeamSearch?
    private var logProbs: [Float] = []
    /// With the search's attention decoder: every kept frame's fused output (rows of d) and decoder key (rows of depth).
    private var fusedRows: [Float] = [], keyRows: [Float] = []
    /// The search of the last range asked (its first CTC step, absolute): a longer range from the
    /// same start continues it.
    private var searchCache: (start: Int, state: CTCPrefixBeamSearch.State)?
    /// The search's result for the last range asked (ids, steps and score; tests compare them).
    private(set) var lastSearchResult: CTCPrefixBeamSearch.Result?
    /// CTC steps handed to the search so far (tests check that growing windows resume it).
    private(set) var stepsSearched = 0
    /// Frames of digital silence in a row so far, and how many of them may still emit: 1 (40 ms).
    /// Forcing every silent frame blank cost the shipped checkpoint 2 points of CER (test split,
    /// AV clean 0.027 with a grace against 0.048 without; 1 to 10 frames give the same): espeak
    /// leaves 40–80 ms of exact zeros between some words, and the causal model's spike for a word's
    /// last character falls in the first of them. Each frame of grace delays the endpoint's
    /// certain blank (`TrailingBlank.silentSince`) by 40 ms, so the smallest that works.
    private var silentRun = 0
    var silenceGraceFrames = 1 { didSet { silenceGraceFrames = max(0, silenceGraceFrames) } }
    /// CTC steps per model frame (1 for the CTC-per-frame checkpoints).
    private var subframes = 1
    private var firstKeptFrame = 0
    /// Frames kept for `hypothesis` (older ones are dropped): 120 s.
    public var keepFrames = 3000
    /// Compute time (thread CPU time, so it means the same on a loaded machine) of the frames run
    /// (seconds) and their count, for the per-frame cost.
    public private(set) var computeSeconds = 0.0
    public private(set) var framesTimed = 0

    public init(recognizer: AVRecognizer, origin: Double = 0, useAudio: Bool = true, useVideo: Bool = true,
                search: CTCPrefixBeamSearch? = nil) {
        self.recognizer = recognizer
        self.search = search
        self.useAudio = useAudio
        self.useVideo = useVideo
        self.origin = origin
        stream = AVStream(recognizer, useAudio: useAudio, useVideo: useVideo, decodes: false)
        heldCrop = [Float](repeating: 0, count: MouthCropSpec.size * MouthCropSpec.size)
    }

    /// Capture time just after the last sample fed.
    public var audioEnd: Double { origin + Double(samplesFed) / Double(AudioRate.model) }

    /// Time of the next frame to run (its start).
    public var nextFrameStart: Double { origin + Double(framesDone) * Self.frameSeconds }

    /// A mouth crop (64 × 64 luma) shown at capture time `time`.
    public func addCrop(_ crop: [UInt8], time: Double) {
        guard useVideo, crop.count == MouthCropSpec.size * MouthCropSpec.size else { return }
        let standardised = MouthCropSpec.standardised(crop)
        if let last = crops.last, time < last.time { return } // out of order: ignored
        if let previous = lastCropTime, time > previous { cropInterval = time - previous }
        lastCropTime = time
        crops.append((time, standardised))
        // While no audio arrives (between utterances) frames would pile up: keep the last 10 s.
        if crops.count > 250 { crops.removeFirst(crops.count - 250) }
    }

    /// Appends 16-kHz samples (continuing at `audioEnd`) and runs every frame that became ready.
    public func feed(_ samples: ArraySlice<Float>) {
        samplesFed += samples.count
        appendMel(mel.feed(Array(samples)))
        run(flush: false)
    }

    /// Ends a clip: the log-mel's end padding, rows of silence up to `frames` model frames (the
    /// trainer's layout: ⌈samples / 640⌉, or the clip's video frame count), and every frame run.
    public func finishClip(frames: Int? = nil) {
        appendMel(mel.finish())
        let total = frames ?? (samplesFed + Self.samplesPerFrame - 1) / Self.samplesPerFrame
        let per = recognizer.melBins * recognizer.melFramesPerVideoFrame
        let have = framesDone + pendingMel.count / per
        if total > have {
            pendingMel += [Float](repeating: (-8 + 4) / 4, count: (total - have) * per)
        } else if total < have {
            pendingMel.removeLast((have - total) * per)
        }
        run(flush: true)
    }

    /// The text of the frames whose centre lies in [from, to), with word times from the frames
    /// that emitted their characters.
    public func hypothesis(from: Double, to: Double, language: String = "en") -> Hypothesis {
        let lo = max(firstKeptFrame, frameIndex(atOrAfter: from))
        let hi = min(framesDone, frameIndex(atOrAfter: to))
        var words: [Word] = []
        var current = "", wordStart = 0.0, wordEnd = 0.0
        var previous = -1
        var logProbSum = 0.0
        var lastEmissionEnd: Double?   // end of the last non-blank CTC step (the endpoint's blank run starts there)
        var silentSince: Double?       // start of the trailing run of digital-silence steps
        func close() {
            if !current.isEmpty { words.append(Word(text: current, start: wordStart, end: wordEnd, timing: .emissionSpikes)) }
            current = ""
        }
        let symbols = recognizer.outputVocabulary.symbols
        let k = subframes
        func emit(_ label: Int, step: Int) {
            guard label >= 1, label <= symbols.count else { return }
            let ch = symbols[label - 1]
            let t = origin + Double(step) * Self.frameSeconds / Double(k)
            if ch == " " { close(); return }
            if current.isEmpty { wordStart = t }
            current.append(ch)
            wordEnd = t + Self.frameSeconds / Double(k)
        }
        if hi > lo {
            for step in (lo * k)..<(hi * k) {
                let (label, lp, silent) = best[step - firstKeptFrame * k]
                logProbSum += Double(lp) / Double(k)
                if !silent { silentSince = nil } else if silentSince == nil { silentSince = origin + Double(step) * Self.frameSeconds / Double(k) }
                defer { previous = label }
                if label != 0 { lastEmissionEnd = origin + Double(step + 1) * Self.frameSeconds / Double(k) }
                guard search == nil, label != 0, label != previous else { continue }
                emit(label, step: step)
            }
            if let search {
                // Live windows grow from one start: the search resumes where the last one stopped.
                // With the attention decoder only the steps whose lookahead frames exist are kept
                // in the cache; the rest are searched on a copy.
                let classes = recognizer.classes, count = (hi - lo) * k
                let memory = search.attention.map { _ in
                    TriggeredAttention.Memory(fused: fusedRows, keys: keyRows, start: lo - firstKeptFrame, frames: hi - lo)
                }
                let ready = search.attention.map { min(count, max(0, (hi - lo - $0.lookahead) * k)) } ?? count
                var state = CTCPrefixBeamSearch.State(attention: search.attention)
                if let cached = searchCache, cached.start == lo * k, cached.state.steps <= ready { state = cached.state }
                func advance(_ state: inout CTCPrefixBeamSearch.State, to end: Int) {
                    let first = lo * k - firstKeptFrame * k + state.steps, more = end - state.steps
                    guard more > 0 else { return }
                    stepsSearched += more
                    search.advance(&state, logProbs: logProbs[(first * classes)..<((first + more) * classes)], steps: more, classes: classes,
                                   silent: ArraySlice(best[first..<(first + more)].map(\.silent)), memory: memory)
                }
                advance(&state, to: ready)
                searchCache = (lo * k, state)
                advance(&state, to: count)
                let found = search.result(state)
                lastSearchResult = found
                // The search may keep a character after the best path's last spike: speech ran until then.
                if let last = found.steps.last {
                    let end = origin + Double(lo * k + last + 1) * Self.frameSeconds / Double(k)
                    lastEmissionEnd = max(lastEmissionEnd ?? end, end)
                }
                for (label, step) in zip(found.ids, found.steps) { emit(label, step: lo * k + step) }
            }
        }
        close()
        let frames = max(1, hi - lo)
        var h = Hypothesis(words: words, avgLogProb: logProbSum / Double(frames), noSpeechProb: 0,
                           compressionRatio: 1, language: language)
        h.timing = .emissionSpikes   // the frames where the CTC head emitted each character
        h.trailingBlank = TrailingBlank(lastEmissionEnd: lastEmissionEnd,
                                        decodedEnd: origin + Double(max(lo, hi)) * Self.frameSeconds, silentSince: silentSince)
        return h
    }

    /// The text of every frame kept (offline use): the search's, or the best path without one.
    public var text: String {
        hypothesis(from: origin, to: origin + Double(framesDone + 1) * Self.frameSeconds).text
    }

    /// Mean compute per frame (video + audio + fusion + head), thread CPU milliseconds.
    public var millisecondsPerFrame: Double { framesTimed > 0 ? computeSeconds / Double(framesTimed) * 1000 : 0 }

    // MARK: - Internals

    private func frameIndex(atOrAfter time: Double) -> Int {
        // Frame f's centre is origin + 0.04 f + 0.02; the first frame with centre ≥ time.
        max(0, Int(((time - origin - Self.frameSeconds / 2) / Self.frameSeconds - 1e-9).rounded(.up)))
    }

    private func appendMel(_ raw: [Float]) {
        pendingMel.reserveCapacity(pendingMel.count + raw.count)
        for v in raw { pendingMel.append((max(v, -8) + 4) / 4) }
    }

    private func run(flush: Bool) {
        let per = recognizer.melBins * recognizer.melFramesPerVideoFrame
        var consumed = 0
        while pendingMel.count - consumed >= per {
            guard let crop = cropForNextFrame(flush: flush) else { break }
            let rows = Array(pendingMel[consumed..<consumed + per])
            let began = ThreadCPUTime.now()
            let logits = stream.feed(crop: crop, mel: rows)
            computeSeconds += ThreadCPUTime.now() - began
            framesTimed += 1
            consumed += per
            // One row of logits per CTC step; a model with several CTC steps per frame
            // (sub-frames) gives several rows, spread evenly over the frame's 40 ms.
            let classes = recognizer.classes
            let steps = max(1, logits.count / classes)
            if steps != subframes {
                subframes = steps; best.removeAll(); logProbs.removeAll(); fusedRows.removeAll(); keyRows.removeAll()
                searchCache = nil; firstKeptFrame = framesDone
            }
            if let attention = search?.attention {
                fusedRows += stream.lastFused
                keyRows += attention.keys(stream.lastFused, frames: 1)
            }
            // Digital silence (every log-mel value at the −8 floor: zeros, a muted input, the clip's
            // end padding) emits nothing once it has lasted `silenceGraceFrames`. Corpus clips hold
            // no long silence, and the model, still run on it to keep its state, emits spurious
            // characters there; the grace lets its causal spikes, which come after the sound, land
            // in a short pause between words or at the speech's end.
            silentRun = rows.allSatisfy { $0 <= Self.silentMel } ? silentRun + 1 : 0
            let silent = silentRun > silenceGraceFrames
            for r in 0..<steps {
                var raw = Array(logits[min(logits.count, r * classes)..<min(logits.count, (r + 1) * classes)])
                if raw.count < classes { raw += [Float](repeating: -.infinity, count: classes - raw.count) }
                let row = LogProbabilities.logSoftmax(raw)
                let label = silent ? 0 : LogProbabilities.argmax(row)
                best.append((label, silent ? 0 : row[label], silent))
                if search != nil { logProbs += row }
            }
            framesDone += 1
        }
        if consumed > 0 { pendingMel.removeFirst(consumed) }
        if best.count > keepFrames * subframes {
            let drop = (best.count - keepFrames * subframes) / subframes
            best.removeFirst(drop * subframes)
            if search != nil { logProbs.removeFirst(min(logProbs.count, drop * subframes * recognizer.classes)) }
            if search?.attention != nil {
                fusedRows.removeFirst(min(fusedRows.count, drop * recognizer.width))
                keyRows.removeFirst(min(keyRows.count, drop * recognizer.attentionDepth))
            }
            firstKeptFrame += drop
        }
    }

    /// The crop of frame `framesDone`, or nil while it cannot be decided yet.
    private func cropForNextFrame(flush: Bool) -> [Float]? {
        guard useVideo else { return heldCrop }
        let centre = nextFrameStart + Self.frameSeconds / 2
        let decided = flush || crops.contains { $0.time > centre + 1e-6 } || audioEnd - centre >= videoWait
            || (crops.isEmpty && !sawVideo) || nextCropIsPast(centre)
        guard decided else { return nil }
        if let i = crops.lastIndex(where: { $0.time <= centre + 1e-6 }) {
            heldCrop = crops[i].crop
            sawVideo = true
            crops.removeFirst(i + 1)
        }
        return heldCrop
    }
    private var sawVideo = false
    /// Time of the newest crop received and the camera's last frame interval (s).
    private var lastCropTime: Double?
    private var cropInterval: Double?

    /// True when the camera's next frame, at its rhythm (90 % of its last interval, for jitter),
    /// comes after `centre`: no crop nearer the centre can arrive, so the frame need not wait for
    /// it (a 25-fps camera on the frame grid: its crop at the frame's start decides the frame
    /// 20–40 ms sooner than the next crop would; the choice is the same).
    private func nextCropIsPast(_ centre: Double) -> Bool {
        guard let last = lastCropTime, let interval = cropInterval, last <= centre + 1e-6 else { return false }
        return last + 0.9 * interval > centre + 1e-6
    }

    /// A normalised log-mel value at the floor (raw −8: digital silence).
    static let silentMel: Float = (-8 + 4) / 4 + 1e-6
}
