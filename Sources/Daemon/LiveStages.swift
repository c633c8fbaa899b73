import Foundation
import CaptionCore
import Streaming

extension LiveCaptioner: CaptionRecognizer {}

extension DaemonStages {
    /// The stages `captiond` runs with: Capture's ALSA/V4L2/file sources and the live captioner
    /// (Streaming) with Whisper on one engine thread and the camera's face speaker
    /// (`FaceSpeakerActivity`) when video is on and `video.gate` is not "off".
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
                let faces = (model.dir as NSString).appendingPathComponent("faces")
                let speaker = streaming.video.active
                    ? try FaceSpeakerActivity(modelsDirectory: faces, settings: streaming.video, threaded: true) : nil
                if AVCheckpoint.isAudioVisual(model.name) {   // model.name = "av": the audio-visual model
                    return try LiveCaptioner(model: AVStreamingModel(settings: model), configuration: streaming,
                                             speaker: speaker,
                                             clock: streaming.followsCaptureClock ? { MonotonicClock.now() } : nil)
                }
                return try LiveCaptioner(model: WhisperStreamingModel(settings: model, passContext: streaming.passAudioContext),
                                         configuration: streaming, speaker: speaker,
                                         clock: streaming.followsCaptureClock ? { MonotonicClock.now() } : nil)
            } catch {
                throw DaemonError.stage(name: "recognizer (model \(model.name))", reason: "\(error)")
            }
        })
}
