import Foundation

/// One word timed from the cross-attention (times in seconds from the window's start; probability
/// = mean probability of its tokens).
public struct WordTiming: Equatable, Sendable {
    public var word: String
    public var tokens: [Int]
    public var start: Double
    public var end: Double
    public var probability: Double
    public init(word: String, tokens: [Int], start: Double, end: Double, probability: Double) {
        self.word = word; self.tokens = tokens; self.start = start; self.end = end; self.probability = probability
    }
}

/// Word timing from the alignment heads, as CTranslate2's `Whisper.align` plus faster-whisper's
/// `find_alignment` compute it: the sequence SOT-sequence + <|notimestamps|> + text + EOT is fed in
/// one pass; each head's scores over the window's content frames (mel frames / 2) are softmaxed per
/// token, z-scored per frame over the tokens (population deviation), median-filtered along time
/// (width 7, reflected edges) and averaged over the heads; dynamic time warping on the negated
/// matrix of the <|notimestamps|> and text rows gives the path; a token's time is where the path
/// first enters its row (0.02 s a frame); a word spans its first token's time to the next word's.
public struct WordAligner {
    public var medianFilterWidth = 7
    /// Encoder frames per second (mel frames / 2).
    public static let framesPerSecond = 50.0

    public init() {}

    /// Timings of the words of `text` (text tokens only) decoded by `session` (a session over the
    /// window's encoder output, whose cross-attention memory is reused); `contentFrames` is
    /// the window's mel frames holding audio. Languages written without spaces split per character.
    public func align<Model: WhisperInference>(model: Model, session: Model.Session, tokenizer: WhisperTokenizer,
                                               startSequence: [Int], text: [Int], contentFrames: Int,
                                               language: String?) throws -> [WordTiming] {
        guard !text.isEmpty else { return [] }
        let heads = model.alignmentHeads
        guard !heads.isEmpty else { throw ModelsError.decoding("the model names no alignment heads: word timestamps are unavailable") }
        let special = tokenizer.special
        let input = startSequence + [special.noTimestamps] + text + [special.endOfText]
        let pass = try model.alignmentPass(session: session, tokens: input, heads: heads)
        let offset = startSequence.count
        // p(text[t]) from the row after input[offset + t], softmax over the text vocabulary (< EOT).
        var probabilities: [Double] = []
        for (t, token) in text.enumerated() {
            let row = Array(pass.logits[((offset + t) * pass.vocabulary)..<((offset + t) * pass.vocabulary + special.endOfText)])
            probabilities.append(Double(LogProbabilities.softmax(row)[token]))
        }
        let columns = min(pass.frames, contentFrames / 2)
        guard columns > 0 else { return [] }
        let matrix = Self.attentionMatrix(pass.scores, tokens: pass.tokens, frames: pass.frames, columns: columns,
                                          medianWidth: medianFilterWidth)             // (tokens, columns)
        let rows = text.count + 1                                                      // <|notimestamps|> + text
        let slice = Array(matrix[(offset * columns)..<((offset + rows) * columns)])    // (rows, columns)
        let path = Self.negativeDTW(slice, rows: rows, columns: columns)
        let (words, wordTokens) = WordSplitter(tokenizer: tokenizer, language: language).split(text + [special.endOfText])
        guard wordTokens.count > 1 else { return [] }
        // jump times: the time index where the path enters each row (rows + 0 … text.count).
        var jumpTimes: [Double] = []
        var lastRow = -1
        for (i, j) in path where i != lastRow {
            jumpTimes.append(Double(j) / Self.framesPerSecond)
            lastRow = i
        }
        var boundaries = [0]
        for tokens in wordTokens.dropLast() { boundaries.append(boundaries[boundaries.count - 1] + tokens.count) }
        var out: [WordTiming] = []
        for w in 0..<(words.count - 1) {
            let a = boundaries[w], b = boundaries[w + 1]
            guard b < jumpTimes.count else { break }
            let p = a < b ? probabilities[a..<min(b, probabilities.count)].reduce(0, +) / Double(max(1, min(b, probabilities.count) - a)) : 0
            out.append(WordTiming(word: words[w], tokens: wordTokens[w], start: jumpTimes[a], end: jumpTimes[b], probability: p))
        }
        return out
    }

    /// The heads' scores (each (tokens, frames)) made into one (tokens, columns) matrix: softmax over
    /// the first `columns` frames per token, z-score per frame over the tokens, median filter along
    /// time, mean over the heads.
    static func attentionMatrix(_ scores: [[Float]], tokens n: Int, frames: Int, columns m: Int,
                                medianWidth: Int) -> [Float] {
        var sum = [Float](repeating: 0, count: n * m)
        for s in scores {
            var w = [Float](repeating: 0, count: n * m)                          // (n, m)
            for i in 0..<n {
                let row = LogProbabilities.softmax(Array(s[(i * frames)..<(i * frames + m)]))
                for f in 0..<m { w[i * m + f] = row[f] }
            }
            for f in 0..<m {
                var mean: Float = 0
                for i in 0..<n { mean += w[i * m + f] }
                mean /= Float(n)
                var variance: Float = 0
                for i in 0..<n { let d = w[i * m + f] - mean; variance += d * d }
                variance /= Float(n)
                let scale = 1 / variance.squareRoot()
                for i in 0..<n { w[i * m + f] = (w[i * m + f] - mean) * scale }
            }
            for i in 0..<n {
                let filtered = medianFilter(Array(w[(i * m)..<((i + 1) * m)]), width: medianWidth)
                for f in 0..<m { sum[i * m + f] += filtered[f] }
            }
        }
        let k = Float(max(1, scores.count))
        return sum.map { $0 / k }
    }

    /// Median over a window of `width` centred on each entry, edges reflected without repeating the
    /// edge value (x[-1] = x[1]); a row no longer than width / 2 is returned unchanged.
    static func medianFilter(_ x: [Float], width: Int) -> [Float] {
        let rank = width / 2, depth = x.count
        guard depth > rank, width > 1 else { return x }
        var out = x
        var window = [Float](repeating: 0, count: width)
        for j in 0..<depth {
            for k in -rank...rank {
                var read = abs(j + k)
                if read >= depth { read = depth - (read - depth) - 2 }
                window[k + rank] = x[max(0, read)]
            }
            window.sort()
            out[j] = window[rank]
        }
        return out
    }

    /// Dynamic time warping that maximises the summed matrix (minimises its negation); moves are
    /// diagonal, down (next token) or right (next frame); ties go right, then down. Returns the
    /// path's (row, column) pairs from (0, 0) to the last cell.
    static func negativeDTW(_ x: [Float], rows n: Int, columns m: Int) -> [(Int, Int)] {
        let inf = Float.infinity
        var cost = [Float](repeating: inf, count: (n + 1) * (m + 1))
        var trace = [Int8](repeating: -1, count: (n + 1) * (m + 1))
        let w = m + 1
        cost[0] = 0
        for j in 1...max(1, m) where m > 0 {
            for i in 1...max(1, n) where n > 0 {
                let c0 = cost[(i - 1) * w + j - 1], c1 = cost[(i - 1) * w + j], c2 = cost[i * w + j - 1]
                let c: Float, t: Int8
                if c0 < c1 && c0 < c2 { c = c0; t = 0 } else if c1 < c0 && c1 < c2 { c = c1; t = 1 } else { c = c2; t = 2 }
                cost[i * w + j] = -x[(i - 1) * m + (j - 1)] + c
                trace[i * w + j] = t
            }
        }
        for k in 0...m { trace[k] = 2 }
        for k in 0...n { trace[k * w] = 1 }
        var i = n, j = m
        var path: [(Int, Int)] = []
        while i > 0 || j > 0 {
            path.append((i - 1, j - 1))
            switch trace[i * w + j] {
            case 0: i -= 1; j -= 1
            case 1: i -= 1
            default: j -= 1
            }
        }
        return path.reversed()
    }
}
