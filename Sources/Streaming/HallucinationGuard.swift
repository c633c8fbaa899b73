/// Rejects hypotheses that are likely invented: no speech, low confidence, or repetitive text.
public struct HallucinationGuard: Sendable {
    /// Why a hypothesis was dropped.
    public enum Rejection: Equatable, Sendable {
        case noSpeech(probability: Double)
        case lowLogProb(Double)
        case highCompressionRatio(Double)
        /// `gram` repeated `count` times in a row.
        case repetitionLoop(gram: String, count: Int)
    }

    public var noSpeechThreshold: Double
    public var logProbThreshold: Double
    public var compressionRatioThreshold: Double
    /// Longest n-gram checked for loops.
    public var maxGram = 6

    public init(noSpeechThreshold: Double = 0.6, logProbThreshold: Double = -1.0,
                compressionRatioThreshold: Double = 2.4) {
        self.noSpeechThreshold = noSpeechThreshold
        self.logProbThreshold = logProbThreshold
        self.compressionRatioThreshold = compressionRatioThreshold
    }

    public init(_ c: StreamingConfiguration) {
        self.init(noSpeechThreshold: c.noSpeechThreshold, logProbThreshold: c.logProbThreshold,
                  compressionRatioThreshold: c.compressionRatioThreshold)
    }

    /// The first rule the hypothesis breaks, or nil when it passes.
    public func rejection(of h: Hypothesis) -> Rejection? {
        if h.noSpeechProb > noSpeechThreshold { return .noSpeech(probability: h.noSpeechProb) }
        if h.avgLogProb < logProbThreshold { return .lowLogProb(h.avgLogProb) }
        if h.compressionRatio > compressionRatioThreshold { return .highCompressionRatio(h.compressionRatio) }
        if let loop = HallucinationGuard.repetitionLoop(in: h.words.map { CaptionText.key($0.text) },
                                                        maxGram: maxGram) {
            return .repetitionLoop(gram: loop.gram, count: loop.count)
        }
        return nil
    }

    /// The hypothesis without a trailing segment whose word timing is anomalous, the mark of text
    /// invented over silence at a window's end ("Thank you." squeezed into 0 s). A word scores
    /// 1 when its probability is below 0.15, (0.133 − d)·15 when its duration d is under 0.133 s,
    /// and d − 2 when it is over 2 s; a segment is anomalous when the score of its first 8 words
    /// reaches 3 or their count (faster-whisper's rule). Needs Whisper's decoded (aligned) times:
    /// CTC emission spikes are one sub-frame per character, so every word would look anomalous.
    public static func droppingAnomalousTail(_ h: Hypothesis) -> Hypothesis {
        guard h.timing == .decoded, !h.words.isEmpty else { return h }
        // The last segment: words after the previous segment end.
        let cut = (h.words.dropLast().lastIndex(where: \.endsSegment)).map { $0 + 1 } ?? 0
        let tail = h.words[cut...].prefix(8)
        var score = 0.0
        for w in tail {
            let d = w.end - w.start
            if let p = w.probability, p < 0.15 { score += 1 }
            if d < 0.133 { score += (0.133 - d) * 15 }
            if d > 2.0 { score += d - 2.0 }
        }
        guard score >= 3 || score + 0.01 >= Double(tail.count) else { return h }
        var copy = h
        copy.words = Array(h.words[..<cut])
        return copy
    }

    /// Finds an n-gram repeated back to back: a single word 4+ times ("the the the the"), or a
    /// 2…maxGram-word phrase 3+ times. Natural speech repeats a word three times at most
    /// ("no, no, no") and a phrase twice.
    static func repetitionLoop(in keys: [String], maxGram: Int) -> (gram: String, count: Int)? {
        guard keys.count >= 4 else { return nil }
        let runs = KeyRuns(keys: keys)
        for n in 1...max(1, min(maxGram, keys.count / 3)) {
            let needed = n == 1 ? 4 : 3
            var i = 0
            while i + n * needed <= keys.count {
                let repeats = runs.copies(at: i, length: n)
                if repeats >= needed { return (keys[i..<(i + n)].joined(separator: " "), repeats) }
                i += 1
            }
        }
        return nil
    }
}
