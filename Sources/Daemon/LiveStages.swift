import Foundation

extension DaemonStages {
    /// The stages `captiond` runs with. The adapters from Capture (ALSA/V4L2/file sources) and
    /// Streaming + Models (the Whisper streaming recognizer) are wired here at integration; until
    /// then each factory fails with a message naming the missing adapter, and start-up stops.
    public static var live: DaemonStages = DaemonStages(
        audio: { cfg in
            throw DaemonError.stage(name: "audio (\(cfg.source.rawValue))", reason: "no capture adapter is wired into this build (Capture → AudioInput)")
        },
        video: { cfg in
            throw DaemonError.stage(name: "video (\(cfg.source.rawValue))", reason: "no capture adapter is wired into this build (Capture → VideoInput)")
        },
        recognizer: { model, _ in
            throw DaemonError.stage(name: "recognizer (\(model.name))", reason: "no recognizer adapter is wired into this build (Streaming + Models → CaptionRecognizer)")
        })
}
