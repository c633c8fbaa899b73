import Foundation

/// faster-whisper's generate_with_fallback: decode at each temperature in turn until the result
/// is neither too repetitive (compression ratio above the threshold) nor too unlikely (average
/// log-probability below the threshold) — or looks like silence (no-speech probability above its
/// threshold with a low log-probability). When every temperature fails, the attempt with the best
/// average log-probability among those under the compression threshold (else among all) is kept,
/// reported with the last temperature tried.
struct TemperatureFallback {
    let options: DecodingOptions
    /// Stop falling back once the attempts together generated this many tokens (nil: never).
    var workCap: Int? = nil

    /// avg_logprob recovered from CT2's normalised score: score · len^penalty / (len + 1)
    /// (the +1 counts EOT).
    static func averageLogProb(score: Float, length: Int, lengthPenalty: Double) -> Double {
        Double(score) * pow(Double(length), lengthPenalty) / Double(length + 1)
    }

    func run(attempt: (Float) throws -> WhisperGenerator.Result,
             text: ([Int]) -> String) throws -> WindowDecoding {
        guard !options.temperatures.isEmpty else {
            throw ModelsError.decoding("DecodingOptions.temperatures is empty; give at least one (e.g. [0])")
        }
        var all: [WindowDecoding] = []
        var belowCompressionThreshold: [WindowDecoding] = []
        var spent = 0
        for temperature in options.temperatures {
            if let cap = workCap, spent >= cap, !all.isEmpty { break }
            let result = try attempt(temperature)
            spent += result.tokens.count
            let avg = Self.averageLogProb(score: result.score, length: result.tokens.count,
                                          lengthPenalty: options.lengthPenalty)
            let decodedText = text(result.tokens)
            let ratio = try CompressionRatio.of(decodedText.trimmingWhitespace())
            let decoding = WindowDecoding(tokens: result.tokens, text: decodedText, avgLogProb: avg,
                                          noSpeechProb: Double(result.noSpeechProb), compressionRatio: ratio,
                                          temperature: temperature, tokenLogProbs: result.tokenLogProbs)
            all.append(decoding)
            var needsFallback = false
            if let threshold = options.compressionRatioThreshold {
                if ratio > threshold { needsFallback = true } else { belowCompressionThreshold.append(decoding) }
            }
            if let threshold = options.logProbThreshold, avg < threshold { needsFallback = true }
            if let noSpeech = options.noSpeechThreshold, Double(result.noSpeechProb) > noSpeech,
               let threshold = options.logProbThreshold, avg < threshold {
                needsFallback = false   // silence: no point in retrying
            }
            if !needsFallback { return decoding }
        }
        let pool = belowCompressionThreshold.isEmpty ? all : belowCompressionThreshold
        var best = pool[0]
        for d in pool.dropFirst() where d.avgLogProb > best.avgLogProb { best = d }
        best.temperature = all[all.count - 1].temperature     // the last temperature tried
        // Cut short by the work cap while still looping: a repetition is no transcript (a tone
        // gave "beep beep beep …"); the window yields no text.
        if all.count < options.temperatures.count, let threshold = options.compressionRatioThreshold,
           best.compressionRatio > threshold {
            best.tokens = []
            best.text = ""
            best.tokenLogProbs = []
        }
        return best
    }
}
