import ArgumentParser
import Foundation
import IPC
import CaptionCore

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the daemon's state, model, real-time factor, capture counters and subscribers.")

    @OptionGroup var daemon: DaemonSocketOptions
    @Flag(name: .long, help: "Print one JSON object (keys: state, model, language, task, rtf, lag, lag_max, warning (when set), audio_samples, audio_dropped, video_frames, video_dropped, subscribers, uptime_s, hotwords, script; with camera analysis faces, speaking_face, video_analysis_fps, video_fps).")
    var json = false

    func run() throws {
        guard let s = try daemon.send(.status).status else { throw CaptionctlError("status reply carried no status") }
        if json {
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys]
            print(String(decoding: try e.encode(s), as: UTF8.self))
            return
        }
        print("state:        \(s.state)")
        print("model:        \(s.model) (language \(s.language), task \(s.task))")
        if let h = s.hotwords, !h.isEmpty { print("hotwords:     \(h)") }
        if let script = s.script { print("script:       \(script)") }
        print("rtf:          \(String(format: "%.2f", s.rtf))")
        print("lag:          \(String(format: "%.1f", s.lag)) s (at most \(String(format: "%.1f", s.maxLag)) s)")
        if let w = s.warning { print("warning:      \(w)") }
        print("audio:        \(s.audioSamples) samples (\(String(format: "%.1f", Double(s.audioSamples) / Double(AudioRate.model))) s), \(s.audioDropped) dropped")
        print("video:        \(s.videoFrames) frames, \(s.videoDropped) dropped")
        if let faces = s.faces {
            let speaking = s.speakingFace.map { "#\($0) speaking" } ?? "nobody speaking"
            let rate = String(format: "analysed at %.1f of %.1f frames/s", s.videoAnalysisFps ?? 0, s.videoFps ?? 0)
            print("faces:        \(faces) in view, \(speaking); \(rate)")
        }
        print("subscribers:  \(s.subscribers)")
        let up = Int(s.uptimeS)
        print("uptime:       \(up / 3600)h \(up / 60 % 60)m \(up % 60)s")
    }
}
