import Features
import Foundation
import Models

/// Reads a corpus folder (docs/CORPUS.md) back into training examples.
public enum CorpusReader {
    /// The manifest's entries, in file order.
    public static func manifest(_ directory: String) throws -> [ManifestEntry] {
        let path = directory + "/manifest.jsonl"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrainingError.io(path: path, reason: "no manifest: make a corpus first with `captionctl corpus -o \(directory)`")
        }
        var out: [ManifestEntry] = []
        for (n, line) in data.split(separator: 0x0A).enumerated() where !line.isEmpty {
            do { out.append(try JSONDecoder().decode(ManifestEntry.self, from: Data(line))) } catch {
                throw TrainingError.io(path: path, reason: "line \(n + 1) is not a manifest entry: \(error)")
            }
        }
        return out
    }

    /// 64 × 64 luma frames from a mono (or 4:2:0, luma kept) YUV4MPEG2 file.
    public static func mouthFrames(_ path: String) throws -> [[UInt8]] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrainingError.io(path: path, reason: "cannot read the mouth crops")
        }
        let bytes = [UInt8](data)
        guard let end = bytes.firstIndex(of: 0x0A) else { throw TrainingError.io(path: path, reason: "no YUV4MPEG2 header line") }
        let header = String(decoding: bytes[0..<end], as: UTF8.self).split(separator: " ")
        guard header.first == "YUV4MPEG2", header.contains("W64"), header.contains("H64") else {
            throw TrainingError.io(path: path, reason: "expected a 64×64 YUV4MPEG2 stream, got '\(header.joined(separator: " "))'")
        }
        let chroma = header.first { $0.hasPrefix("C") }.map { String($0.dropFirst()) } ?? "420"
        let extra: Int
        switch chroma {
        case "mono": extra = 0
        case "420", "420jpeg", "420paldv", "420mpeg2": extra = 2 * 32 * 32
        default: throw TrainingError.io(path: path, reason: "chroma \(chroma) not supported (use mono or 4:2:0)")
        }
        var frames: [[UInt8]] = []
        var i = end + 1
        while i < bytes.count {
            guard let lineEnd = bytes[i...].firstIndex(of: 0x0A), bytes[i..<min(i + 5, bytes.count)].elementsEqual("FRAME".utf8) else {
                throw TrainingError.io(path: path, reason: "frame \(frames.count): no FRAME marker at byte \(i)")
            }
            let start = lineEnd + 1
            guard start + 4096 + extra <= bytes.count else {
                throw TrainingError.io(path: path, reason: "frame \(frames.count) is truncated")
            }
            frames.append(Array(bytes[start..<start + 4096]))
            i = start + 4096 + extra
        }
        return frames
    }

    /// The text a model with `vocabulary` learns from an entry: the transcript (English), or the
    /// tone-numbered pinyin of a Mandarin clip (`"pinyin"` in the manifest; its transcript is hanzi).
    public static func labelText(_ entry: ManifestEntry, vocabulary: AVVocabulary, in directory: String) throws -> String {
        let manifest = directory + "/manifest.jsonl"
        switch vocabulary.kind {
        case .english:
            guard entry.language != "zh" else {
                throw TrainingError.io(path: manifest, reason: "clip \(entry.id) is Mandarin (language zh) but the model's vocabulary is English; train a new model with --vocabulary pinyin (the default for a Mandarin corpus)")
            }
            return entry.text
        case .pinyin:
            guard let pinyin = entry.pinyin else {
                throw TrainingError.io(path: manifest, reason: "clip \(entry.id) (language \(entry.language)) has no \"pinyin\" labels, which a model with the pinyin vocabulary learns; make a Mandarin corpus with `captionctl corpus --set mandarin`, or use an English model")
            }
            return pinyin
        }
    }

    /// The example of one manifest entry; `noisy` picks a noisy copy (e.g. "babble:0") instead of
    /// the clean audio; `noisyCopies` adds those noisy copies' log-mel as `noisyMels` (in that order).
    /// Labels and `text` are the entry's transcript for the English vocabulary, its pinyin for the
    /// pinyin vocabulary (`labelText`), so error rates are on the text the model emits.
    public static func example(_ entry: ManifestEntry, in directory: String, noisy: String? = nil,
                               noisyCopies: [String] = [], vocabulary: AVVocabulary = .english) throws -> AVExample {
        let text = try labelText(entry, vocabulary: vocabulary, in: directory)
        let labels: [Int]
        do { labels = try vocabulary.labels(text) } catch {
            throw TrainingError.io(path: directory + "/manifest.jsonl", reason: "clip \(entry.id): \(error)")
        }
        func mel(_ relative: String, frames t: Int) throws -> [Float] {
            let audioPath = directory + "/" + relative
            let wav: WAVFile
            do { wav = try WAVFile(contentsOf: audioPath) } catch { throw TrainingError.io(path: audioPath, reason: "\(error)") }
            guard wav.sampleRate == AudioDecoder.sampleRate else {
                throw TrainingError.io(path: audioPath, reason: "sample rate \(wav.sampleRate) Hz; the corpus format is 16 kHz mono (ffmpeg -ar 16000 -ac 1)")
            }
            return AVExampleLoader.melRows(wav.monoSamples(), videoFrames: t)
        }
        let crops = try mouthFrames(directory + "/" + entry.mouth)
        let t = crops.count
        guard t > 0 else { throw TrainingError.io(path: directory + "/" + entry.mouth, reason: "holds no frames") }
        if let noisy, entry.noisy[noisy] == nil {
            throw TrainingError.io(path: directory + "/manifest.jsonl", reason: "clip \(entry.id) has no noisy copy '\(noisy)' (it has: \(entry.noisy.keys.sorted().joined(separator: ", ")))")
        }
        let noisyMels = try noisyCopies.map { key -> [Float] in
            guard let path = entry.noisy[key] else {
                throw TrainingError.io(path: directory + "/manifest.jsonl", reason: "clip \(entry.id) has no noisy copy '\(key)'")
            }
            return try mel(path, frames: t)
        }
        return AVExample(cropBytes: crops.flatMap { $0 }, mel: try mel(noisy.flatMap { entry.noisy[$0] } ?? entry.audio, frames: t),
                         frames: t, labels: labels, text: text, noisyMels: noisyMels)
    }
}
