import Foundation

extension DaemonStages {
    /// The stages `captiond` runs with: Capture's ALSA/V4L2/file sources and the Whisper streaming
    /// recognizer (Streaming + Models) on one BLAS thread.
    public static var live: DaemonStages = DaemonStages(
        audio: { cfg in
            switch cfg.source {
            case .alsa: return ALSAAudioInput(config: cfg, log: ServiceLog(level: .info))
            case .file: return FileAudioInput(config: cfg)
            }
        },
        video: { cfg in
            switch cfg.source {
            case .v4l2: return V4L2VideoInput(config: cfg, log: ServiceLog(level: .info))
            case .file: return FileVideoInput(config: cfg)
            }
        },
        recognizer: { model, streaming in
            WhisperCaptionRecognizer(model: model, streaming: streaming, threads: 1)
        })
}
