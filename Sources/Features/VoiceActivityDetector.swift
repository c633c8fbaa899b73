import CaptionCore
import Foundation

/// Energy-based voice activity detection with an adaptive noise floor and hangover.
///
/// Per frame (10–30 ms) the RMS level in dBFS is compared with the noise floor, the minimum of the
/// ~100-ms average levels of the last `floorWindowSeconds` (minimum statistics: speech has pauses, so the minimum tracks
/// the background; a steady noise or tone becomes the floor within that window). A frame is loud
/// when it is `thresholdDb` above the floor and above `minimumLevelDb`. Speech starts after
/// `onsetFrames` loud frames in a row and lasts until `hangoverMilliseconds` after the last loud
/// frame.
///
/// After digital silence (exact zeros: a zero-padded file, a muted or not yet running input) the
/// floor is unknown, and the first frames of signal may be the speech itself: taken as the floor,
/// they would hide the speech until a pause teaches the real floor (issue 13: an onset 0.44 s
/// late, mid-word). So until `floorLearningSeconds` of signal have been averaged, a stream that
/// began in digital silence uses at most `unknownFloorDb` as its floor (a quiet room's background
/// lies below it; speech rises 10 dB above it at once). A floor learnt before a later stretch of
/// digital silence stays: the room has not changed because the input was muted.
///
/// With `reportsLowestFloor` each frame also carries the lowest floor of the last
/// `floorWindowSeconds` of frames and the energy rule against it (`Frame.lowestFloorDb`,
/// `Frame.isLoudOverLowestFloor`): the end of speech as an incremental model's blank endpoint
/// hears it (Streaming's `BlankEndpoint`). The floor is a minimum over its window, so it rises
/// only as the quiet it came from ages out of it, or when its learning after digital silence ends
/// (`floorLearningSeconds`). On an input that is zeros between utterances (a noise gate, a muted
/// microphone, the bench's padded clips) that happens inside the first utterance, and what it
/// learnt there is the speech's own quietest 100 ms, not the room. Issue 13, bench clip
/// test-000000: the floor rose from −45 to −33 dBFS 1.06 s into "… please", so the rest of the
/// word (−23 to −35 dBFS: the vowel's decay and the /z/) was "quiet", the blank run counted from
/// 1.08 s and the final lost the characters the model emits once it has read the /z/. Held at
/// its minimum over the window, the floor still follows a room that got louder, one window later.
/// The VAD's own decisions do not depend on it.
public struct VoiceActivityDetector: Sendable {
    public struct Configuration: Equatable, Sendable {
        public var sampleRate = AudioRate.model
        public var frameMilliseconds = 20
        public var thresholdDb: Float = 10
        public var minimumLevelDb: Float = -55
        public var floorWindowSeconds = 3.0
        public var onsetFrames = 2
        public var hangoverMilliseconds = 200
        /// The highest floor assumed after digital silence, until the floor is learnt.
        public var unknownFloorDb: Float = -45
        /// Seconds of signal (after digital silence) before the learnt floor alone decides.
        public var floorLearningSeconds = 1.0
        public init() {}
    }

    /// The decision for one frame [start, end) on the capture clock.
    public struct Frame: Equatable, Sendable {
        public var start: Double
        public var end: Double
        public var levelDb: Float
        public var floorDb: Float
        /// The energy rule alone (before onset and hangover).
        public var isLoud: Bool
        public var isSpeech: Bool
        /// The lowest `floorDb` of the frames of the last `floorWindowSeconds` up to this one;
        /// nil unless the detector `reportsLowestFloor`.
        public var lowestFloorDb: Float? = nil
        /// The energy rule against `lowestFloorDb` (a frame loud for the VAD is loud here too);
        /// nil unless the detector `reportsLowestFloor`.
        public var isLoudOverLowestFloor: Bool? = nil
    }

    public let configuration: Configuration
    public let frameLength: Int
    /// Whether frames carry `lowestFloorDb` and `isLoudOverLowestFloor` (set at init: the ring of
    /// floors it needs is kept only then).
    public let reportsLowestFloor: Bool
    private var pending: [Float] = []      // samples not yet in a frame
    private var originTime = -Double.infinity
    private var consumed = 0               // samples framed since originTime
    private var history: [Float]          // ring of recent frame levels (dB)
    private var historyNext = 0
    private var historyCount = 0
    private var recent: [Float]           // linear power of the last ~100 ms of non-silent frames
    private var recentNext = 0
    private var recentCount = 0
    private var loudRun = 0
    private var framesSinceLoud = Int.max
    private var speaking = false
    private var sawDigitalSilence = false // before the floor was learnt
    private let hangoverFrames: Int
    private let learningFrames: Int       // 100-ms averages that make a learnt floor
    private var floors: [Float] = []      // ring of the last frames' floors (dB), with reportsLowestFloor
    private var floorsNext = 0

    public init(configuration: Configuration = Configuration(), reportsLowestFloor: Bool = false) throws {
        let c = configuration
        func bad(_ key: String, _ value: Any, _ why: String) -> FeaturesError {
            .unsupported(path: "vad.\(key)", reason: "\(why), got \(value)")
        }
        guard c.sampleRate >= 8_000 && c.sampleRate <= 192_000 else {
            throw bad("sample_rate", c.sampleRate, "expected a rate between 8000 and 192000 Hz")
        }
        guard (10...30).contains(c.frameMilliseconds) else {
            throw bad("frame_ms", c.frameMilliseconds, "expected a frame length between 10 and 30 ms")
        }
        guard c.thresholdDb.isFinite && c.thresholdDb > 0 && c.thresholdDb < 60 else {
            throw bad("threshold_db", c.thresholdDb, "expected decibels between 0 and 60")
        }
        guard c.minimumLevelDb.isFinite && c.minimumLevelDb < 0 else {
            throw bad("minimum_level_db", c.minimumLevelDb, "expected a negative dBFS level")
        }
        guard c.floorWindowSeconds.isFinite && c.floorWindowSeconds >= 0.5 && c.floorWindowSeconds <= 30 else {
            throw bad("floor_window_s", c.floorWindowSeconds, "expected seconds between 0.5 and 30")
        }
        guard c.onsetFrames >= 1 && c.onsetFrames <= 50 else {
            throw bad("onset_frames", c.onsetFrames, "expected a count between 1 and 50")
        }
        guard c.hangoverMilliseconds >= 0 && c.hangoverMilliseconds <= 2000 else {
            throw bad("hangover_ms", c.hangoverMilliseconds, "expected milliseconds between 0 and 2000")
        }
        guard c.unknownFloorDb.isFinite && c.unknownFloorDb < 0 else {
            throw bad("unknown_floor_db", c.unknownFloorDb, "expected a negative dBFS level")
        }
        guard c.floorLearningSeconds.isFinite && c.floorLearningSeconds >= 0 && c.floorLearningSeconds <= c.floorWindowSeconds else {
            throw bad("floor_learning_s", c.floorLearningSeconds, "expected seconds between 0 and floor_window_s (\(c.floorWindowSeconds))")
        }
        self.configuration = c
        self.reportsLowestFloor = reportsLowestFloor
        self.frameLength = c.sampleRate * c.frameMilliseconds / 1000
        let historyFrames = Int(c.floorWindowSeconds * 1000) / c.frameMilliseconds
        self.history = [Float](repeating: 0, count: max(1, historyFrames))
        self.hangoverFrames = c.hangoverMilliseconds / c.frameMilliseconds
        self.recent = [Float](repeating: 0, count: max(1, 100 / c.frameMilliseconds))
        self.learningFrames = Int(c.floorLearningSeconds * 1000) / c.frameMilliseconds
    }

    /// Feeds samples whose first sample is at `startTime` (seconds); returns the frames completed.
    /// Samples left over (less than a frame) wait for the next call. Chunks must be contiguous.
    public mutating func process(_ samples: ArraySlice<Float>, startTime: Double) -> [Frame] {
        let rate = Double(configuration.sampleRate)
        let expected = originTime + Double(consumed + pending.count) / rate
        if abs(startTime - expected) > 1.5 / rate { // not contiguous: restart the time origin
            pending.removeAll()
            originTime = startTime
            consumed = 0
        }
        pending.append(contentsOf: samples)
        var frames: [Frame] = []
        var offset = 0
        while pending.count - offset >= frameLength {
            // Times from an integer sample count, so chunking never changes them.
            let start = originTime + Double(consumed + offset) / rate
            let end = originTime + Double(consumed + offset + frameLength) / rate
            let level = VoiceActivityDetector.levelDb(pending[offset..<(offset + frameLength)])
            frames.append(decide(level: level, start: start, end: end))
            offset += frameLength
        }
        if offset > 0 {
            pending.removeFirst(offset)
            consumed += offset
        }
        return frames
    }

    /// Levels at or below this are digital silence, not background noise.
    public static let digitalSilenceDb: Float = -90

    /// RMS level of a frame in dBFS, floored at -100 dB (digital silence).
    public static func levelDb(_ frame: ArraySlice<Float>) -> Float {
        guard !frame.isEmpty else { return -100 }
        var sum: Float = 0
        for x in frame { sum += x * x }  // frame: (N) samples -> scalar energy
        let meanSquare = sum / Float(frame.count)
        return meanSquare > 1e-10 ? max(-100, 10 * log10f(meanSquare)) : -100
    }

    private mutating func decide(level: Float, start: Double, end: Double) -> Frame {
        // Digital silence (zero padding, muted input) says nothing about the background noise:
        // it stays out of the floor estimate, which would otherwise sit at -100 dB for seconds.
        // The floor takes the minimum of ~100-ms power averages, so one odd frame (half zeros at a
        // stream start, a click) cannot drag it down.
        if level > VoiceActivityDetector.digitalSilenceDb {
            recent[recentNext] = powf(10, level / 10)
            recentNext = (recentNext + 1) % recent.count
            recentCount = min(recentCount + 1, recent.count)
            if recentCount == recent.count {
                let smoothed = 10 * log10f(recent.reduce(0, +) / Float(recent.count))
                history[historyNext] = smoothed
                historyNext = (historyNext + 1) % history.count
                historyCount = min(historyCount + 1, history.count)
            }
        }
        var floor = Float.greatestFiniteMagnitude
        for i in 0..<historyCount { floor = min(floor, history[i]) }  // minimum statistics
        if historyCount == 0 {
            // Start-up, before the first 100-ms average: the quietest frame so far.
            for i in 0..<recentCount { floor = min(floor, 10 * log10f(recent[i])) }
            if recentCount == 0 { floor = configuration.minimumLevelDb }
        }
        if level <= VoiceActivityDetector.digitalSilenceDb, historyCount < learningFrames { sawDigitalSilence = true }
        if sawDigitalSilence, historyCount < learningFrames {
            // The floor is still unknown after digital silence: what was heard so far may be speech.
            floor = min(floor, configuration.unknownFloorDb)
        }
        let loud = isLoud(level: level, floor: floor)
        if loud { loudRun += 1; framesSinceLoud = 0 } else {
            loudRun = 0
            if framesSinceLoud < Int.max { framesSinceLoud += 1 }
        }
        if !speaking, loudRun >= configuration.onsetFrames { speaking = true }
        if speaking, !loud, framesSinceLoud > hangoverFrames { speaking = false }
        var frame = Frame(start: start, end: end, levelDb: level, floorDb: floor, isLoud: loud, isSpeech: speaking)
        if reportsLowestFloor {
            // frame floors: ring of the window's last `history.count` frames -> their minimum
            if floors.count < history.count { floors.append(floor) } else { floors[floorsNext] = floor }
            floorsNext = (floorsNext + 1) % history.count
            let lowest = floors.min() ?? floor
            frame.lowestFloorDb = lowest
            frame.isLoudOverLowestFloor = isLoud(level: level, floor: lowest)
        }
        return frame
    }

    /// The energy rule: `level` is `thresholdDb` above `floor` and above `minimumLevelDb`.
    private func isLoud(level: Float, floor: Float) -> Bool {
        level > floor + configuration.thresholdDb && level > configuration.minimumLevelDb
    }

    /// Merges consecutive speech frames into (start, end) spans.
    public static func speechSegments(_ frames: [Frame]) -> [(start: Double, end: Double)] {
        var spans: [(start: Double, end: Double)] = []
        var open: Double?
        var last = 0.0
        for f in frames {
            if f.isSpeech { if open == nil { open = f.start } } else if let s = open {
                spans.append((s, f.start)); open = nil
            }
            last = f.end
        }
        if let s = open { spans.append((s, last)) }
        return spans
    }
}
