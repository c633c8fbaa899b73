import Streaming

// Real Whisper hypotheses for the windows the recognizer requested while streaming
// ../shared/fixtures/whisper_cpp/jfk.wav in 0.1-s chunks from t = 0 with the configuration below.
// Recorded from the project's own window decoder (WhisperStreamingModel, tiny.en, greedy at
// temperature 0, word times decoded from the alignment heads: `timing == .decoded`) by
//   CAPTIOND_RECORD_WINDOWS=1 swift test -c release --filter WhisperWindowRecorder
// The replay test fails if the recognizer asks for other windows: then the policy changed and this
// table must be re-recorded the same way.

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
          words: [W("and...", 0.0000, 0.3600, 0.0745)],
          avgLogProb: -0.4313, noSpeechProb: 0.5058, compressionRatio: 0.4286),
        R(start: 0.0000, end: 1.0000, prompt: "",
          words: [W("And", 0.0000, 0.7200, 0.4825), W("so...", 0.7200, 0.9800, 0.5447, seg: true)],
          avgLogProb: -0.5024, noSpeechProb: 0.2815, compressionRatio: 0.5294),
        R(start: 0.0000, end: 1.5000, prompt: "",
          words: [W("And", 0.0000, 0.7200, 0.5238), W("so", 0.7200, 1.0000, 0.9358), W("my", 1.0000, 1.3200, 0.6740), W("fellow", 1.3200, 1.4800, 0.3093), W(".", 1.4800, 1.4800, 0.1967)],
          avgLogProb: -0.3441, noSpeechProb: 0.1899, compressionRatio: 0.6800),
        R(start: 0.0000, end: 2.0000, prompt: "",
          words: [W("And", 0.0000, 0.7400, 0.6396), W("so", 0.7400, 1.0200, 0.9280), W("my", 1.0200, 1.3800, 0.6652), W("fellow", 1.3800, 1.7400, 0.9263), W("American...", 1.7400, 1.9800, 0.2220, seg: true)],
          avgLogProb: -0.5414, noSpeechProb: 0.0640, compressionRatio: 0.7778),
        R(start: 0.0000, end: 2.5000, prompt: "",
          words: [W("And", 0.0000, 0.7600, 0.6685), W("so", 0.7600, 1.0200, 0.9038), W("my", 1.0200, 1.4000, 0.5302), W("fellow", 1.4000, 1.7400, 0.9907), W("Americans", 1.7400, 2.2200, 0.8867), W(".", 2.2200, 2.4800, 0.4734, seg: true)],
          avgLogProb: -0.5643, noSpeechProb: 0.0199, compressionRatio: 0.7714),
        R(start: 0.0000, end: 2.9200, prompt: "",
          words: [W("And", 0.0000, 0.7800, 0.7010), W("so", 0.7800, 1.0200, 0.9029), W("my", 1.0200, 1.4000, 0.5413), W("fellow", 1.4000, 1.7400, 0.9913), W("Americans", 1.7400, 2.2200, 0.8779), W(".", 2.2200, 2.9000, 0.5013, seg: true)],
          avgLogProb: -0.6080, noSpeechProb: 0.0158, compressionRatio: 0.7714),
        R(start: 1.7400, end: 3.4200, prompt: "And so my fellow",
          words: [W("Americans", 1.7400, 2.1200, 0.7443), W("and", 2.1200, 3.4000, 0.3770), W("Americans", 3.4000, 3.4000, 0.7795), W("and", 3.4000, 3.4000, 0.5779)],
          avgLogProb: -0.7063, noSpeechProb: 0.0202, compressionRatio: 1.0800),
        R(start: 1.7400, end: 3.9200, prompt: "And so my fellow",
          words: [W("Americans", 1.7400, 2.4200, 0.3804), W("ask", 2.4200, 3.8200, 0.1231)],
          avgLogProb: -0.6327, noSpeechProb: 0.0270, compressionRatio: 0.6190),
        R(start: 1.7400, end: 4.4200, prompt: "And so my fellow",
          words: [W("Americans", 1.7400, 2.2400, 0.4950), W("ask", 2.2400, 3.8600, 0.2193), W("not", 3.8600, 4.4000, 0.8312)],
          avgLogProb: -0.4809, noSpeechProb: 0.0278, compressionRatio: 0.6800),
        R(start: 1.7400, end: 4.9200, prompt: "And so my fellow",
          words: [W("Americans", 1.7400, 2.2800, 0.3642), W("ask", 2.2800, 3.8600, 0.1491), W("not", 3.8600, 4.4400, 0.8946)],
          avgLogProb: -0.5567, noSpeechProb: 0.0337, compressionRatio: 0.6800),
        R(start: 1.7400, end: 5.1000, prompt: "And so my fellow",
          words: [W("Americans", 1.7400, 2.2600, 0.3181), W("ask", 2.2600, 3.8600, 0.2386), W("not", 3.8600, 4.4600, 0.8605)],
          avgLogProb: -0.5764, noSpeechProb: 0.0286, compressionRatio: 0.6800),
        R(start: 3.8600, end: 5.6000, prompt: "And so my fellow Americans. ask",
          words: [W("not", 3.8600, 4.3600, 0.1805)],
          avgLogProb: -0.7192, noSpeechProb: 0.3267, compressionRatio: 0.2727),
        R(start: 3.8600, end: 6.1000, prompt: "And so my fellow Americans. ask",
          words: [W("not", 3.8600, 4.6200, 0.1630), W("like", 4.6200, 5.6800, 0.5894), W("your", 5.6800, 5.8800, 0.8115), W("country", 5.8800, 6.0800, 0.2786), W(".", 6.0800, 6.0800, 0.4603)],
          avgLogProb: -0.5338, noSpeechProb: 0.1183, compressionRatio: 0.7333),
        R(start: 3.8600, end: 6.6000, prompt: "And so my fellow Americans. ask",
          words: [W("not", 3.8600, 4.5600, 0.3575), W("what", 4.5600, 5.7000, 0.2897), W("your", 5.7000, 5.9800, 0.6849), W("country", 5.9800, 6.3200, 0.9928), W("can", 6.3200, 6.5800, 0.9431), W("do", 6.5800, 6.5800, 0.3198), W(".", 6.5800, 6.5800, 0.5201)],
          avgLogProb: -0.6417, noSpeechProb: 0.2867, compressionRatio: 0.7838),
        R(start: 3.8600, end: 7.1000, prompt: "And so my fellow Americans. ask",
          words: [W("not", 3.8600, 4.5200, 0.2803), W("what", 4.5200, 5.7000, 0.3852), W("your", 5.7000, 5.9800, 0.9637), W("country", 5.9800, 6.3400, 0.9938), W("can", 6.3400, 6.7600, 0.9857), W("do", 6.7600, 7.0000, 0.9845), W("for", 7.0000, 7.0800, 0.9214), W("you", 7.0800, 7.0800, 0.8162), W(".", 7.0800, 7.0800, 0.5938)],
          avgLogProb: -0.2679, noSpeechProb: 0.1116, compressionRatio: 0.8605),
        R(start: 3.8600, end: 7.6000, prompt: "And so my fellow Americans. ask",
          words: [W("Not", 3.8600, 4.4800, 0.3836), W("what", 4.4800, 5.7000, 0.3088), W("your", 5.7000, 5.9800, 0.9430), W("country", 5.9800, 6.3400, 0.9951), W("can", 6.3400, 6.7600, 0.9842), W("do", 6.7600, 7.0000, 0.9896), W("for", 7.0000, 7.2400, 0.9790), W("you", 7.2400, 7.5800, 0.9859), W(".", 7.5800, 7.5800, 0.6949)],
          avgLogProb: -0.2584, noSpeechProb: 0.0320, compressionRatio: 0.8605),
        R(start: 3.8600, end: 8.1000, prompt: "And so my fellow Americans. ask",
          words: [W("Not", 3.8600, 4.5000, 0.3574), W("what", 4.5000, 5.7000, 0.3199), W("your", 5.7000, 6.0000, 0.9443), W("country", 6.0000, 6.3600, 0.9944), W("can", 6.3600, 6.7600, 0.9805), W("do", 6.7600, 7.0000, 0.9884), W("for", 7.0000, 7.2400, 0.9776), W("you", 7.2400, 8.0800, 0.9874), W(".", 8.0800, 8.0800, 0.7264)],
          avgLogProb: -0.2463, noSpeechProb: 0.0280, compressionRatio: 0.8605),
        R(start: 3.8600, end: 8.6000, prompt: "And so my fellow Americans. ask",
          words: [W("Not", 3.8600, 4.4600, 0.2137), W("what", 4.4600, 5.7000, 0.5620), W("your", 5.7000, 6.0000, 0.9486), W("country", 6.0000, 6.3600, 0.9953), W("can", 6.3600, 6.7600, 0.9798), W("do", 6.7600, 7.0000, 0.9903), W("for", 7.0000, 7.2400, 0.9670), W("you", 7.2400, 8.2600, 0.9782), W(".", 8.2600, 8.3400, 0.2389), W("Ask", 8.3400, 8.5800, 0.6500), W("me", 8.5800, 8.5800, 0.3827)],
          avgLogProb: -0.1739, noSpeechProb: 0.0400, compressionRatio: 0.8800),
        R(start: 3.8600, end: 9.1000, prompt: "And so my fellow Americans. ask",
          words: [W("not", 3.8600, 4.5200, 0.3083), W("what", 4.5200, 5.7000, 0.6672), W("your", 5.7000, 6.0000, 0.9623), W("country", 6.0000, 6.3600, 0.9938), W("can", 6.3600, 6.7600, 0.9883), W("do", 6.7600, 7.0000, 0.9911), W("for", 7.0000, 7.2400, 0.9729), W("you", 7.2400, 8.2800, 0.9868), W(".", 8.2800, 8.3400, 0.0646), W("Ask", 8.3400, 8.6800, 0.7965), W("what", 8.6800, 8.9400, 0.9765), W("you", 8.9400, 9.0800, 0.9773), W(".", 9.0800, 9.0800, 0.1701)],
          avgLogProb: -0.3252, noSpeechProb: 0.0438, compressionRatio: 1.0200),
        R(start: 3.8600, end: 9.6000, prompt: "And so my fellow Americans. ask",
          words: [W("not", 3.8600, 4.5200, 0.3602), W("what", 4.5200, 5.7000, 0.6114), W("your", 5.7000, 6.0000, 0.9662), W("country", 6.0000, 6.3600, 0.9937), W("can", 6.3600, 6.7600, 0.9888), W("do", 6.7600, 7.0000, 0.9922), W("for", 7.0000, 7.2400, 0.9748), W("you", 7.2400, 8.2400, 0.9899), W("ask", 8.2400, 8.6600, 0.4297), W("what", 8.6600, 8.9400, 0.9536), W("you", 8.9400, 9.2600, 0.9887), W("can", 9.2600, 9.4800, 0.9837), W("do", 9.4800, 9.5800, 0.9868), W(".", 9.5800, 9.5800, 0.3135)],
          avgLogProb: -0.2783, noSpeechProb: 0.0466, compressionRatio: 1.1400),
        R(start: 3.8600, end: 10.1000, prompt: "And so my fellow Americans. ask",
          words: [W("not", 3.8600, 4.5000, 0.2261), W("what", 4.5000, 5.7000, 0.5360), W("your", 5.7000, 6.0000, 0.9429), W("country", 6.0000, 6.3600, 0.9898), W("can", 6.3600, 6.7800, 0.9759), W("do", 6.7800, 7.0200, 0.9842), W("for", 7.0200, 7.2400, 0.9563), W("you", 7.2400, 8.2400, 0.9817), W(".", 8.2400, 8.2800, 0.1134), W("Ask", 8.2800, 8.6600, 0.6802), W("what", 8.6600, 8.9600, 0.9708), W("you", 8.9600, 9.2800, 0.9800), W("can", 9.2800, 9.5000, 0.9830), W("do", 9.5000, 9.7400, 0.9841), W("for", 9.7400, 9.9000, 0.9765), W("your", 9.9000, 10.0800, 0.9807), W("country", 10.0800, 10.0800, 0.9932), W(".", 10.0800, 10.0800, 0.8398)],
          avgLogProb: -0.2071, noSpeechProb: 0.0709, compressionRatio: 1.3889),
        R(start: 7.5800, end: 10.6000, prompt: "And so my fellow Americans. ask not what your country can do for you.",
          words: [W("Ask", 7.5800, 8.6600, 0.2456), W("what", 8.6600, 8.9400, 0.9898), W("you", 8.9400, 9.2600, 0.9873), W("can", 9.2600, 9.4800, 0.9765), W("do", 9.4800, 9.7000, 0.9955), W("for", 9.7000, 9.9200, 0.9872), W("your", 9.9200, 10.1800, 0.9907), W("country", 10.1800, 10.3200, 0.9962), W(".", 10.3200, 10.3200, 0.7776), W("Ask", 10.3200, 10.3200, 0.7088), W("what", 10.3200, 10.3200, 0.9907), W("you", 10.3200, 10.3200, 0.9895), W("can", 10.3200, 10.3200, 0.9797), W("do", 10.3200, 10.3200, 0.9931), W("for", 10.3200, 10.3200, 0.9865), W("your", 10.3200, 10.3200, 0.9896), W("country", 10.3200, 10.3200, 0.9971), W(".", 10.3200, 10.3200, 0.9487), W("Ask", 10.3200, 10.3200, 0.8017), W("what", 10.3200, 10.3200, 0.9930), W("you", 10.3200, 10.3200, 0.9927), W("can", 10.3200, 10.3200, 0.9833), W("do", 10.3200, 10.3200, 0.9942), W("for", 10.3200, 10.3200, 0.9908), W("your", 10.3200, 10.3200, 0.9925), W("country", 10.3200, 10.4400, 0.9976), W(".", 10.4400, 10.4400, 0.9690), W("Ask", 10.4400, 10.4400, 0.8648), W("what", 10.4400, 10.4400, 0.9948), W("you", 10.4400, 10.4400, 0.9950), W("can", 10.4400, 10.4400, 0.9876), W("do", 10.4400, 10.4400, 0.9954), W("for", 10.4400, 10.4400, 0.9932), W("your", 10.4400, 10.4400, 0.9943), W("country", 10.4400, 10.4400, 0.9980), W(".", 10.4400, 10.5800, 0.9744)],
          avgLogProb: -0.0866, noSpeechProb: 0.0059, compressionRatio: 3.2128),
        R(start: 7.5800, end: 11.0000, prompt: "And so my fellow Americans. ask not what your country can do for you.",
          words: [W("Ask", 7.5800, 8.6600, 0.2415), W("what", 8.6600, 8.9400, 0.9891), W("you", 8.9400, 9.2600, 0.9867), W("can", 9.2600, 9.4800, 0.9767), W("do", 9.4800, 9.7200, 0.9958), W("for", 9.7200, 9.9200, 0.9879), W("your", 9.9200, 10.1800, 0.9914), W("country", 10.1800, 10.7200, 0.9968), W(".", 10.7200, 10.7200, 0.7488)],
          avgLogProb: -0.1685, noSpeechProb: 0.0048, compressionRatio: 0.8810)
    ]
}
