import Streaming

// Real Whisper hypotheses for the windows the recognizer requested while streaming
// ../shared/fixtures/whisper_cpp/jfk.wav in 0.1-s chunks from t = 0 with the default configuration.
// Recorded once from the reference implementation (faster-whisper 1.2.1, tiny.en at
// /var/lib/captiond/models/tiny.en, float32, greedy, temperature 0, word_timestamps, the window's
// prompt as initial_prompt, no internal VAD or thresholds); the avg log-prob is token-weighted over
// segments, the no-speech probability is the first segment's, the compression ratio the maximum.
// The replay test fails if the recognizer asks for other windows: then the policy changed and this
// table must be re-recorded. WhisperWindowRecorder now records from the project's own window decoder
// (WhisperStreamingModel): `CAPTIOND_RECORD_WINDOWS=1 swift test -c release --filter WhisperWindowRecorder`;
// this table is still the faster-whisper recording until that is run.

struct RecordedWindow {
    var start: Double
    var end: Double
    var prompt: String
    var words: [Word]
    var avgLogProb: Double
    var noSpeechProb: Double
    var compressionRatio: Double
}

private func R(start: Double, end: Double, prompt: String, words: [Word], avgLogProb: Double,
               noSpeechProb: Double, compressionRatio: Double) -> RecordedWindow {
    RecordedWindow(start: start, end: end, prompt: prompt, words: words, avgLogProb: avgLogProb,
                   noSpeechProb: noSpeechProb, compressionRatio: compressionRatio)
}

private func W(_ text: String, _ start: Double, _ end: Double, _ p: Double, seg: Bool = false) -> Word {
    Word(text: text, start: start, end: end, endsSegment: seg, probability: p)
}

enum JFKWindowRecording {
    /// The configuration the windows were requested with (plain LocalAgreement-2 on the 12-s
    /// window, 1.5-s context and 6-s trim of the recording; the window requests depend on when
    /// words commit, so the replay must use the same).
    static var configuration: StreamingConfiguration {
        var c = StreamingConfiguration.agreementOnly
        c.windowSeconds = 12
        c.contextSeconds = 1.5
        c.trimSeconds = 6
        return c
    }

    static let windows: [RecordedWindow] = [
        R(start: 0.0000, end: 0.5000, prompt: "",
          words: [W("S", 0.0, 0.48, 0.246, seg: true)],
          avgLogProb: -0.4864, noSpeechProb: 0.6005, compressionRatio: 0.1111),
        R(start: 0.0000, end: 1.0000, prompt: "",
          words: [W("And", 0.0, 0.72, 0.583), W("so...", 0.72, 0.98, 0.728, seg: true)],
          avgLogProb: -0.6426, noSpeechProb: 0.3514, compressionRatio: 0.5294),
        R(start: 0.0000, end: 1.5000, prompt: "",
          words: [W("And", 0.0, 0.74, 0.555), W("so", 0.74, 1.04, 0.912), W("my", 1.04, 1.38, 0.687), W("fella", 1.38, 1.48, 0.116, seg: true)],
          avgLogProb: -0.7544, noSpeechProb: 0.2982, compressionRatio: 0.6522),
        R(start: 0.0000, end: 2.0000, prompt: "",
          words: [W("And", 0.0, 0.76, 0.634), W("so", 0.76, 1.04, 0.913), W("my", 1.04, 1.4, 0.579), W("fellow", 1.4, 1.74, 0.968), W("American", 1.74, 1.98, 0.167, seg: true)],
          avgLogProb: -0.5121, noSpeechProb: 0.1419, compressionRatio: 0.7576),
        R(start: 0.0000, end: 2.5000, prompt: "",
          words: [W("And", 0.0, 0.76, 0.697), W("so", 0.76, 1.04, 0.91), W("my", 1.04, 1.4, 0.428), W("fellow", 1.4, 1.76, 0.996), W("Americans.", 1.76, 2.1, 0.951, seg: true)],
          avgLogProb: -0.5623, noSpeechProb: 0.0379, compressionRatio: 0.7714),
        R(start: 0.0000, end: 2.9200, prompt: "",
          words: [W("And", 0.0, 0.76, 0.728), W("so", 0.76, 1.04, 0.909), W("am", 1.04, 1.32, 0.365), W("I", 1.32, 1.46, 0.946), W("fellow", 1.46, 1.76, 0.923), W("Americans.", 1.76, 2.1, 0.817, seg: true)],
          avgLogProb: -0.5535, noSpeechProb: 0.0278, compressionRatio: 0.7838),
        R(start: 1.7600, end: 3.4200, prompt: "And so my fellow",
          words: [W("America", 1.76, 2.12, 0.072, seg: true), W("and", 2.12, 2.52, 0.032, seg: true)],
          avgLogProb: -1.1347, noSpeechProb: 0.0708, compressionRatio: 0.4667),
        R(start: 1.7600, end: 3.9200, prompt: "And so my fellow",
          words: [W("Americans", 1.76, 2.48, 0.138), W("ask", 2.48, 3.78, 0.132, seg: true), W("Thank", 3.78, 3.8, 0.008), W("you.", 3.8, 3.8, 0.98, seg: true)],
          avgLogProb: -0.9918, noSpeechProb: 0.0629, compressionRatio: 0.619),
        R(start: 1.7600, end: 4.4200, prompt: "And so my fellow",
          words: [W("Americans", 1.76, 2.46, 0.12), W("ask", 2.46, 3.84, 0.408), W("not", 3.84, 4.34, 0.785, seg: true), W(".", 4.34, 4.4, 0.012, seg: true)],
          avgLogProb: -1.0937, noSpeechProb: 0.0693, compressionRatio: 0.68),
        R(start: 1.7600, end: 4.9200, prompt: "And so my fellow",
          words: [W("Americans", 1.76, 2.46, 0.113), W("ask", 2.46, 3.84, 0.338), W("not", 3.84, 4.34, 0.767, seg: true), W("Yeah.", 4.34, 4.52, 0.015, seg: true)],
          avgLogProb: -0.9968, noSpeechProb: 0.0564, compressionRatio: 0.68),
        R(start: 1.7600, end: 5.1000, prompt: "And so my fellow",
          words: [W("Americans", 1.76, 2.46, 0.11), W("ask", 2.46, 3.84, 0.344), W("not", 3.84, 4.36, 0.763, seg: true), W("Yeah.", 4.36, 4.52, 0.055, seg: true)],
          avgLogProb: -0.8377, noSpeechProb: 0.0566, compressionRatio: 0.68),
        R(start: 3.8400, end: 5.6000, prompt: "And so my fellow Americans. ask",
          words: [W("Not", 3.84, 4.36, 0.149), W("quite.", 4.36, 5.52, 0.065, seg: true)],
          avgLogProb: -1.1281, noSpeechProb: 0.1369, compressionRatio: 0.5556),
        R(start: 3.8400, end: 6.1000, prompt: "And so my fellow Americans. ask",
          words: [W("Knock", 3.84, 4.48, 0.415), W("like", 4.48, 5.66, 0.144), W("your", 5.66, 5.9, 0.596), W("cut.", 5.9, 6.08, 0.67, seg: true)],
          avgLogProb: -0.8538, noSpeechProb: 0.0533, compressionRatio: 0.7143),
        R(start: 3.8400, end: 6.6000, prompt: "And so my fellow Americans. ask",
          words: [W("Knock", 3.84, 4.46, 0.205), W("like", 4.46, 5.68, 0.157), W("your", 5.68, 6.1, 0.632), W("country", 6.1, 6.36, 0.981), W("can...", 6.36, 6.58, 0.409, seg: true)],
          avgLogProb: -0.9182, noSpeechProb: 0.0545, compressionRatio: 0.7895),
        R(start: 3.8400, end: 7.1000, prompt: "And so my fellow Americans. ask",
          words: [W("Not", 3.84, 4.44, 0.226), W("what", 4.44, 5.7, 0.206), W("your", 5.7, 6.0, 0.962), W("country", 6.0, 6.34, 0.993), W("can", 6.34, 6.76, 0.994), W("do", 6.76, 7.02, 0.997), W("for", 7.02, 7.08, 0.809), W("you.", 7.08, 7.08, 0.563, seg: true)],
          avgLogProb: -0.5788, noSpeechProb: 0.0522, compressionRatio: 0.8605),
        R(start: 3.8400, end: 7.6000, prompt: "And so my fellow Americans. ask",
          words: [W("Not", 3.84, 4.46, 0.374), W("what", 4.46, 5.7, 0.318), W("your", 5.7, 6.0, 0.971), W("country", 6.0, 6.34, 0.993), W("can", 6.34, 6.76, 0.996), W("do", 6.76, 7.0, 0.999), W("for", 7.0, 7.22, 0.994), W("you.", 7.22, 7.58, 0.989, seg: true)],
          avgLogProb: -0.4567, noSpeechProb: 0.0239, compressionRatio: 0.8605),
        R(start: 3.8400, end: 8.1000, prompt: "And so my fellow Americans. ask",
          words: [W("Not", 3.84, 4.46, 0.383), W("what", 4.46, 5.7, 0.361), W("your", 5.7, 6.0, 0.973), W("country", 6.0, 6.34, 0.994), W("can", 6.34, 6.76, 0.996), W("do", 6.76, 7.0, 0.999), W("for", 7.0, 7.24, 0.994), W("you.", 7.24, 7.86, 0.992, seg: true)],
          avgLogProb: -0.4133, noSpeechProb: 0.0207, compressionRatio: 0.8605),
        R(start: 3.8400, end: 8.6000, prompt: "And so my fellow Americans. ask",
          words: [W("Not", 3.84, 4.44, 0.392), W("what", 4.44, 5.7, 0.435), W("your", 5.7, 6.0, 0.973), W("country", 6.0, 6.36, 0.994), W("can", 6.36, 6.76, 0.995), W("do", 6.76, 7.0, 0.999), W("for", 7.0, 7.26, 0.99), W("you.", 7.26, 8.26, 0.988), W("Ask.", 8.34, 8.58, 0.424, seg: true)],
          avgLogProb: -0.4641, noSpeechProb: 0.0297, compressionRatio: 0.875),
        R(start: 3.8400, end: 9.1000, prompt: "And so my fellow Americans. ask",
          words: [W("Not", 3.84, 4.44, 0.292), W("what", 4.44, 5.7, 0.454), W("your", 5.7, 6.0, 0.97), W("country", 6.0, 6.36, 0.993), W("can", 6.36, 6.76, 0.993), W("do", 6.76, 7.0, 0.998), W("for", 7.0, 7.24, 0.983), W("you.", 7.24, 8.28, 0.987), W("Ask", 8.32, 8.68, 0.933), W("what", 8.68, 8.94, 0.987), W("you.", 8.94, 9.08, 0.977, seg: true)],
          avgLogProb: -0.4052, noSpeechProb: 0.035, compressionRatio: 1.02),
        R(start: 3.8400, end: 9.6000, prompt: "And so my fellow Americans. ask",
          words: [W("Not", 3.84, 4.44, 0.303), W("what", 4.44, 5.7, 0.463), W("your", 5.7, 6.02, 0.967), W("country", 6.02, 6.36, 0.991), W("can", 6.36, 6.78, 0.992), W("do", 6.78, 7.0, 0.997), W("for", 7.0, 7.24, 0.976), W("you.", 7.24, 8.26, 0.989), W("Ask", 8.32, 8.66, 0.911), W("what", 8.66, 8.94, 0.991), W("you", 8.94, 9.28, 0.989), W("can", 9.28, 9.48, 0.99), W("do.", 9.48, 9.58, 0.989, seg: true)],
          avgLogProb: -0.3271, noSpeechProb: 0.033, compressionRatio: 1.1373),
        R(start: 3.8400, end: 10.1000, prompt: "And so my fellow Americans. ask",
          words: [W("Not", 3.84, 4.44, 0.371), W("what", 4.44, 5.7, 0.416), W("your", 5.7, 6.0, 0.968), W("country", 6.0, 6.36, 0.991), W("can", 6.36, 6.78, 0.992), W("do", 6.78, 7.0, 0.997), W("for", 7.0, 7.24, 0.978), W("you.", 7.24, 8.24, 0.985), W("Ask", 8.28, 8.66, 0.941), W("what", 8.66, 8.94, 0.988), W("you", 8.94, 9.28, 0.987), W("can", 9.28, 9.5, 0.994), W("do", 9.5, 9.74, 0.996), W("for", 9.74, 9.9, 0.987), W("your...", 9.9, 10.08, 0.574, seg: true)],
          avgLogProb: -0.3802, noSpeechProb: 0.03, compressionRatio: 1.2545),
        R(start: 7.8600, end: 10.6000, prompt: "And so my fellow Americans. ask not like your country can do for you.",
          words: [W("Ask", 7.86, 8.66, 0.43), W("what", 8.66, 8.94, 0.989), W("you", 8.94, 9.28, 0.985), W("can", 9.28, 9.46, 0.988), W("do", 9.46, 9.72, 0.999), W("for", 9.72, 9.9, 0.993), W("your", 9.9, 10.16, 0.995), W("country.", 10.16, 10.4, 0.997, seg: true)],
          avgLogProb: -0.2448, noSpeechProb: 0.0025, compressionRatio: 0.881),
        R(start: 7.8600, end: 11.0000, prompt: "And so my fellow Americans. ask not like your country can do for you.",
          words: [W("Ask", 7.86, 8.66, 0.403), W("what", 8.66, 8.94, 0.989), W("you", 8.94, 9.28, 0.987), W("can", 9.28, 9.46, 0.988), W("do", 9.46, 9.72, 0.999), W("for", 9.72, 9.9, 0.993), W("your", 9.9, 10.2, 0.995), W("country.", 10.2, 10.42, 0.998, seg: true)],
          avgLogProb: -0.2487, noSpeechProb: 0.0021, compressionRatio: 0.881)
    ]
}
