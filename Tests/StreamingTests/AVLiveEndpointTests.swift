import XCTest
import Foundation
import CaptionCore
import struct Features.WAVFile
import Models
import TestSupport
@testable import Streaming

/// Issue 13, "end-of-speech → final ≤ 0.2 s", with the shipped checkpoint (assets/av-grid.safetensors)
/// on the bench's first three held-out test clips (`captionctl corpus --seed 1 --test 3`, the clips
/// scripts/bench/avlive_section.py plays to the daemon), fed as the daemon's file inputs deliver
/// them: 20-ms audio chunks, and each camera frame (its pacer started a few ms after the audio's)
/// handed over before the audio chunk that starts after it, as `Daemon.pipelineLoop` takes the
/// frames waiting before it reads the next chunk. Unlike the overfitted test checkpoint
/// (`AVLiveCaptionerTests`), this model emits the last characters of "please" (a soft final /z/)
/// after the signal has turned quiet: the blank endpoint must not cut them
/// (`swift test -c release`).
final class AVLiveEndpointTests: XCTestCase {
    struct Clip {
        let id: String
        let samples: [Float]
        let crops: [[UInt8]]
        /// End of the last phoneme that is not a pause (alignment.json), seconds from the clip's start.
        let speechEnd: Double
    }

    /// The first `count` test clips of the seed-1 corpus, made once per binary under /tmp.
    static func benchClips(_ count: Int) throws -> [Clip] {
        let captionctl = TestPaths.productsDir.appendingPathComponent("captionctl").path
        let stamp = (try? FileManager.default.attributesOfItem(atPath: captionctl)[.modificationDate] as? Date)?
            .map { Int($0.timeIntervalSince1970) } ?? 0
        let dir = NSTemporaryDirectory() + "captiond-avbench-\(stamp)-\(count)"
        if !FileManager.default.fileExists(atPath: dir + "/manifest.jsonl") {
            try? FileManager.default.removeItem(atPath: dir)
            let r = try CommandRunner.run("captionctl", ["corpus", "-o", dir, "--seed", "1", "--train", "0",
                                                         "--validation", "0", "--test", "\(count)"])
            guard r.status == 0 else { throw ClipFailure(description: "captionctl corpus failed: \(r.stderr)") }
        }
        return try (0..<count).map { i in
            let id = String(format: "test-%06d", i)
            let alignment = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/clips/\(id)/alignment.json"))) as? [String: Any]
            let phonemes = alignment?["phonemes"] as? [[String: Any]] ?? []
            let ends = phonemes.filter { !["_", "_:", "", "sil"].contains($0["phoneme"] as? String ?? "") }.compactMap { ($0["endMs"] as? NSNumber)?.doubleValue }
            guard let last = ends.max() else { throw ClipFailure(description: "\(dir)/clips/\(id)/alignment.json: no phonemes") }
            return Clip(id: id, samples: try WAVFile(contentsOf: "\(dir)/clips/\(id)/audio.wav").monoSamples(),
                        crops: try AVTestCheckpoint.mouthFrames("\(dir)/clips/\(id)/mouth.y4m"), speechEnd: last / 1000)
        }
    }

    struct ClipFailure: Error, CustomStringConvertible { let description: String }

    struct Run {
        var finals: [String] = []
        /// Capture time of the end of the audio chunk whose acceptance gave each final.
        var finalAt: [Double] = []
    }

    /// The daemon's feeding: 1 s of silence (still mouth), the clip, 2 s of silence (last mouth);
    /// audio in 20-ms chunks from `start`, frame k stamped `start + videoDelay + 0.04 k` and
    /// handed over before the first chunk that starts at or after its time.
    static func daemonFed(_ clip: Clip, checkpoint: String, blankMs: Double, start: Double = 7000.25,
                          videoDelay: Double = 0.004) throws -> Run {
        let silence = [Float](repeating: 0, count: 16_000)
        let audio = silence + clip.samples + silence + silence
        let frames = Array(repeating: clip.crops[0], count: 25) + clip.crops + Array(repeating: clip.crops[clip.crops.count - 1], count: 50)
        var conf = StreamingConfiguration()
        conf.endpointBlankSeconds = blankMs / 1000
        let model = try AVStreamingModel(checkpoint: checkpoint, cropper: TrackedMouthCropper(facesDirectory: "/nonexistent"))
        let captioner = try LiveCaptioner(model: model, configuration: conf)
        var run = Run(), next = 0
        func collect(_ events: [StreamingEvent], at t: Double) {
            for e in events where e.kind == .final { run.finals.append(e.text); run.finalAt.append(t) }
        }
        for lo in Swift.stride(from: 0, to: audio.count, by: 320) {
            let hi = min(audio.count, lo + 320)
            while next < frames.count, videoDelay + Double(next) * 0.04 <= Double(lo) / 16_000 + 1e-9 {
                captioner.accept(video: VideoFrame(width: 64, height: 64, luma: frames[next],
                                                   timestamp: start + videoDelay + Double(next) * 0.04, sequence: UInt64(next)))
                next += 1
            }
            collect(try captioner.accept(audio[lo..<hi], startTime: start + Double(lo) / 16_000), at: start + Double(hi) / 16_000)
        }
        collect(try captioner.finish(), at: start + Double(audio.count) / 16_000)
        return run
    }

    func testBlankEndpointKeepsEveryCharacterAndEndsWithin200msOnTheBenchClips() throws {
        let checkpoint = TestPaths.repoRoot.appendingPathComponent("assets/av-grid.safetensors").path
        guard FileManager.default.fileExists(atPath: checkpoint) else {
            throw RequiredFixtures.missing("no shipped checkpoint at \(checkpoint)")
        }
        let clips = try Self.benchClips(3)
        var report: [String] = []
        for clip in clips {
            // As the bench: from the end of the clip's last phoneme (espeak's pause follows it).
            let speechEnd = 7000.25 + 1 + clip.speechEnd
            let vadOnly = try Self.daemonFed(clip, checkpoint: checkpoint, blankMs: 0)
            let blank = try Self.daemonFed(clip, checkpoint: checkpoint, blankMs: 120)
            let delay = blank.finalAt.first.map { $0 - speechEnd }
            report.append("\(clip.id): endpoint_blank_ms 120 final \(blank.finals) \(delay.map { String(format: "%.3f", $0) } ?? "none") s after the speech; "
                + "0: \(vadOnly.finals) \(vadOnly.finalAt.first.map { String(format: "%.3f", $0 - speechEnd) } ?? "none") s")
            XCTAssertEqual(vadOnly.finals.count, 1, "\(clip.id): \(vadOnly.finals)")
            // test-000000 ("... plleasase"): the VAD's floor, learnt from the clip's own speech
            // 1.06 s in, called the rest of "please" quiet, and the final lost "sase" (fixed by
            // the VAD's lowest floor, `Frame.isLoudOverLowestFloor`); its clip ends in zeros, read as certain blank (`TrailingBlank.silentSince`).
            XCTAssertEqual(blank.finals, vadOnly.finals, "\(clip.id): the blank endpoint cut the final (it must hold every character the model emits)")
            XCTAssertLessThanOrEqual(delay ?? .infinity, 0.2, "\(clip.id): end of speech -> final")
        }
        print("av live endpoint (daemon-fed, shipped checkpoint):\n  " + report.joined(separator: "\n  "))
    }
}
