import Features

/// The energy rule the incremental endpoint (`BlankEndpoint`) hears: a VAD frame is loud when its
/// level is `thresholdDb` above the LOWEST floor the VAD reported over its floor window (and above
/// `minimumLevelDb`), not above the current floor. The VAD's own decisions are unchanged.
///
/// The VAD's floor is a minimum over that window, so it rises only as the quiet it came from ages
/// out of it, or when its learning after digital silence ends (`floorLearningSeconds`). On an
/// input that is zeros between utterances (a noise gate, a muted microphone, the bench's padded
/// clips) that happens inside the first utterance, and what it learnt there is the speech's own
/// quietest 100 ms, not the room. Issue 13, bench clip test-000000: the floor rose from −45 to
/// −33 dBFS 1.06 s into "… please", so the rest of the word (−23 to −35 dBFS: the vowel's decay
/// and the /z/) was "quiet"; the blank run counted from 1.08 s and the final lost the
/// characters the model emits once it has read the /z/. Held at its minimum over the window, the
/// floor still follows a room that got louder, one window later.
struct EndpointEnergy {
    let thresholdDb: Float
    let minimumLevelDb: Float
    /// Frames in the VAD's floor window.
    let windowFrames: Int
    private var floors: [Float] = []

    init(_ vad: VoiceActivityDetector.Configuration) {
        thresholdDb = vad.thresholdDb
        minimumLevelDb = vad.minimumLevelDb
        windowFrames = max(1, Int(vad.floorWindowSeconds * 1000) / vad.frameMilliseconds)
    }

    /// The energy rule for `frame` against the lowest floor of the window up to it.
    mutating func isLoud(_ frame: VoiceActivityDetector.Frame) -> Bool {
        floors.append(frame.floorDb)
        if floors.count > windowFrames { floors.removeFirst(floors.count - windowFrames) }
        let floor = floors.min() ?? frame.floorDb
        return frame.levelDb > floor + thresholdDb && frame.levelDb > minimumLevelDb
    }
}
