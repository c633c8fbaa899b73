import Foundation
import Streaming

extension LiveCaptioner: CaptionRecognizer {}

extension DaemonStages {
    /// The stages `captiond` runs with: Capture's ALSA/V4L2/file sources and the live captioner
    /// (Streaming) with Whisper on one engine thread and the camera's mouth-motion gate.
    public static var live: DaemonStages = DaemonStages(
        audio: { cfg in
            switch cfg.source {
            case .alsa: return ALSAAudioInput(config: cfg, log: ServiceLog(level: .info))
            case .file: return FileAudioInput(config: cfg, log: ServiceLog(level: .info))
            }
        },
        video: { cfg in
            switch cfg.source {
            case .v4l2: return V4L2VideoInput(config: cfg, log: ServiceLog(level: .info))
            case .file: return FileVideoInput(config: cfg, log: ServiceLog(level: .info))
            }
        },
        recognizer: { model, streaming in
            do {
                if AVCheckpoint.isAudioVisual(model.name) {   // model.name = "av": the audio-visual model
                    return try LiveCaptioner(model: AVStreamingModel(settings: model), configuration: streaming,
                                             speaker: MouthMotionActivity())
                }
                return try LiveCaptioner(model: WhisperStreamingModel(settings: model, threads: 1),
                                         configuration: streaming, speaker: MouthMotionActivity())
            } catch {
                throw DaemonError.stage(name: "recognizer (model \(model.name))", reason: "\(error)")
            }
        })
}
