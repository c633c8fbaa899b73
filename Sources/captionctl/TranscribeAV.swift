import ArgumentParser
import Features
import Foundation
import Streaming

/// `captionctl transcribe clip.wav --video clip.y4m --model av`: the audio-visual model offline.
extension Transcribe {
    func runAudioVisual(format: SubtitleFormat, destinations: OutputPlan) throws {
        guard files.count == 1 || video == nil else {
            throw CleanExit.failure("--video pairs with one audio file; give one file per run (got \(files.count))")
        }
        let av = try AVOffline(model: whisper.model, decoding: whisper.avDecoding)
        var failed = 0
        var outputs: [(file: String, text: String)] = []
        for (index, file) in files.enumerated() {
            do {
                let started = Date()
                let samples = try AudioDecoder.load(file)
                let crops = try video.map { try av.crops(video: $0) }
                let r = av.run(samples: samples, crops: crops)
                let text: String
                switch format {
                case .json:
                    let object: [String: Any] = [
                        "file": file, "video": video ?? NSNull(), "model": av.checkpoint, "language": "en",
                        "text": r.text, "duration": r.duration, "frames": r.frames,
                        "ms_per_frame": r.millisecondsPerFrame, "processing_seconds": Date().timeIntervalSince(started),
                        "words": r.hypothesis.words.map { ["word": $0.text, "start": $0.start, "end": $0.end] as [String: Any] },
                    ]
                    text = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
                default:
                    let words = r.hypothesis.words
                    let segments = words.isEmpty ? [] : [SubtitleSegment(start: words[0].start, end: words[words.count - 1].end,
                                                                           text: r.text, words: words)]
                    text = format == .txt ? r.text : try SubtitleWriter().render(segments, as: format)
                }
                if let url = destinations.url(for: index) { try destinations.write(text, to: url) } else { outputs.append((file, text)) }
            } catch let CleanExit.failure(message) {
                failed += 1
                printError("captionctl: " + message)
            } catch {
                failed += 1
                printError("captionctl: " + Self.message(for: error, file: file))
            }
        }
        printToStandardOutput(outputs, format: format)
        if failed > 0 { throw ExitCode(1) }
    }
}
