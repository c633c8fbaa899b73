import Foundation

/// A tiny audio-visual corpus and a checkpoint overfitted on its one training clip, made with the
/// built `captionctl corpus` and `captionctl train` (seconds in a release build), once per test
/// process and cached under /tmp by the binary's modification time. For tests of the live and
/// offline paths of `model = "av"`: what matters there is that the same clip goes in and the
/// model's text comes out, not the model's accuracy.
public enum AVTestCheckpoint {
    public struct Made {
        public let corpus: String
        public let checkpoint: String
        /// The training clip's files and transcript.
        public let audio: String
        public let mouth: String
        public let text: String
    }

    nonisolated(unsafe) private static var cached: Made?
    private static let lock = NSLock()

    /// Makes (or reuses) the corpus and checkpoint; throws with the command's output on failure.
    public static func make() throws -> Made {
        lock.lock(); defer { lock.unlock() }
        if let cached { return cached }
        let captionctl = TestPaths.productsDir.appendingPathComponent("captionctl").path
        let stamp = (try? FileManager.default.attributesOfItem(atPath: captionctl)[.modificationDate] as? Date)?
            .map { Int($0.timeIntervalSince1970) } ?? 0
        let dir = NSTemporaryDirectory() + "captiond-avtest-\(stamp)"
        let corpus = dir + "/corpus", checkpoint = dir + "/av.safetensors"
        if !FileManager.default.fileExists(atPath: checkpoint) {
            try? FileManager.default.removeItem(atPath: dir)
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let c = try CommandRunner.run("captionctl", ["corpus", "-o", corpus, "--seed", "7", "--train", "1",
                                                         "--validation", "1", "--test", "2", "--full-frames",
                                                         "--noise", "white:10"])
            guard c.status == 0 else { throw Failure("captionctl corpus failed: \(c.stderr)") }
            let t = try CommandRunner.run("captionctl", ["train", "--corpus", corpus, "-o", checkpoint + ".part", "--seed", "1",
                                                         "--steps", "250", "--batch", "1", "--learning-rate", "0.01",
                                                         "--epoch-steps", "250"])
            guard t.status == 0 else { throw Failure("captionctl train failed: \(t.stderr)") }
            try FileManager.default.moveItem(atPath: checkpoint + ".part", toPath: checkpoint)
        }
        let manifest = try String(contentsOfFile: corpus + "/manifest.jsonl", encoding: .utf8)
        guard let line = manifest.split(separator: "\n").first,
              let entry = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let audio = entry["audio"] as? String, let mouth = entry["mouth"] as? String, let text = entry["text"] as? String else {
            throw Failure("\(corpus)/manifest.jsonl: no training clip")
        }
        let made = Made(corpus: corpus, checkpoint: checkpoint, audio: corpus + "/" + audio, mouth: corpus + "/" + mouth, text: text)
        cached = made
        return made
    }

    /// 64×64 mono Y4M frames (the corpus's mouth.y4m layout).
    public static func mouthFrames(_ path: String) throws -> [[UInt8]] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard let end = bytes.firstIndex(of: 0x0A) else { return [] }
        var frames: [[UInt8]] = [], i = end + 1
        while i + 6 + 4096 <= bytes.count { frames.append(Array(bytes[(i + 6)..<(i + 6 + 4096)])); i += 6 + 4096 }
        return frames
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(_ d: String) { description = d }
    }
}
