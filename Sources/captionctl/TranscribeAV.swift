import ArgumentParser
import Features
import Foundation
import Streaming

/// `captionctl transcribe clip.wav --video clip.y4m --model av`: the audio-visual model offline.
extension Transcribe {
    func runAudioVisual(format: SubtitleFormat, destinations: OutputPlan, script: ModelSettings.Script) throws {
        guard files.count == 1 || video == nil else {
            throw CleanExit.failure("--video pairs with one audio file; give one file per run (got \(files.count))")
        }
        let av = try AVOffline(model: whisper.model, decoding: whisper.avDecoding)
        let pinyinScript = try av.pinyinScript(script)
        var failed = 0
        var outputs: [(file: String, text: String)] = []
        for (index, file) in files.enumerated() {
            do {
                let started = Date()
                let samples = try AudioDecoder.load(file)
                let crops = try video.map { try av.crops(video: $0) }
                let r = av.run(samples: samples, crops: crops)
                // A pinyin checkpoint's text in the requested script (hanzi unless --script pinyin).
                let words = pinyinScript?.convert(words: r.hypothesis.words) ?? r.hypothesis.words
                let written = CaptionText.join(words.map(\.text))
                let text: String
                switch format {
                case .json:
                    var object: [String: Any] = [
                        "file": file, "video": video ?? NSNull(), "model": av.checkpoint, "language": av.recognizer.outputVocabulary.language,
                        "text": written, "duration": r.duration, "frames": r.frames,
                        "ms_per_frame": r.millisecondsPerFrame, "processing_seconds": Date().timeIntervalSince(started),
                        "words": words.map { ["word": $0.text, "start": $0.start, "end": $0.end] as [String: Any] },
                    ]
                    if pinyinScript?.writesHanzi == true { object["pinyin"] = r.text }
                    text = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
                default:
                    let segments = words.isEmpty ? [] : [SubtitleSegment(start: words[0].start, end: words[words.count - 1].end,
                                                                           text: written, words: words)]
                    text = format == .txt ? written : try SubtitleWriter().render(segments, as: format)
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
