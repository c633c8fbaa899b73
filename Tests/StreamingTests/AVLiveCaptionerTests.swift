import XCTest
import Foundation
import CaptionCore
import struct Features.WAVFile
import Models
import TestSupport
@testable import Streaming

/// The audio-visual model through the whole live captioner, fed what the daemon's file inputs
/// deliver (`AVLiveDaemonTests`): the clip with a second of silence and a still mouth before it
/// and two after, audio in 20-ms chunks and camera frames at 25 fps on one capture clock. The
/// final must be the text the same decoder gives for the clip alone (`swift test -c release`).
final class AVLiveCaptionerTests: XCTestCase {
    struct Run {
        var finals: [StreamingEvent] = []
        var partials: [StreamingEvent] = []
        /// Capture time of the audio that had arrived when each final came out.
        var finalAudioTimes: [Double] = []
    }

    /// Feeds `audio` (16 kHz) and `frames` (64 × 64 crops at 25 fps) from capture time `start`;
    /// frame k is handed over once the audio has reached its time, as the daemon's loop does.
    static func live(_ model: AVStreamingModel, audio: [Float], frames: [[UInt8]], start: Double,
                     videoOffset: Double = 0, configuration: StreamingConfiguration = StreamingConfiguration()) throws -> Run {
        let captioner = try LiveCaptioner(model: model, configuration: configuration)
        var run = Run()
        var nextFrame = 0
        func collect(_ events: [StreamingEvent], audioUntil: Double) {
            for e in events {
                if e.kind == .final { run.finals.append(e); run.finalAudioTimes.append(audioUntil) } else { run.partials.append(e) }
            }
        }
        for lo in Swift.stride(from: 0, to: audio.count, by: 320) {
            let hi = min(audio.count, lo + 320)
            while nextFrame < frames.count, Double(nextFrame) * 0.04 + videoOffset <= Double(hi) / 16_000 {
                captioner.accept(video: VideoFrame(width: 64, height: 64, luma: frames[nextFrame],
                                                   timestamp: start + videoOffset + Double(nextFrame) * 0.04,
                                                   sequence: UInt64(nextFrame)))
                nextFrame += 1
            }
            collect(try captioner.accept(audio[lo..<hi], startTime: start + Double(lo) / 16_000), audioUntil: start + Double(hi) / 16_000)
        }
        collect(try captioner.finish(), audioUntil: start + Double(audio.count) / 16_000)
        return run
    }

    static func characterErrorRate(_ hypothesis: String, _ reference: String) -> Double {
        let h = Array(hypothesis), r = Array(reference)
        guard !r.isEmpty else { return h.isEmpty ? 0 : 1 }
        var row = Array(0...r.count)
        for i in Swift.stride(from: 1, through: h.count, by: 1) {
            var next = [i] + [Int](repeating: 0, count: r.count)
            for j in 1...r.count { next[j] = min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (h[i - 1] == r[j - 1] ? 0 : 1)) }
            row = next
        }
        return Double(row[r.count]) / Double(r.count)
    }

    func testPaddedClipThroughTheLiveCaptionerGivesTheClipsText() throws {
        // Issue 13: after the 1 s of zeros the VAD used to learn its floor from the speech and open
        // the utterance 0.44 s late, past the preroll, so the model started mid-word (CER 2.09).
        // The VAD now assumes an unknown floor after digital silence (`unknownFloorDb`).
        let av = try AVTestCheckpoint.make()
        let recognizer = try AVRecognizer(path: av.checkpoint)
        let clip = try WAVFile(contentsOf: av.audio).monoSamples()
        let crops = try AVTestCheckpoint.mouthFrames(av.mouth)

        // The clip alone, as `captionctl transcribe --model av` runs it.
        let offline = AVIncrementalDecoder(recognizer: recognizer)
        for (k, c) in crops.enumerated() { offline.addCrop(c, time: Double(k) * 0.04) }
        offline.feed(clip[...])
        offline.finishClip(frames: crops.count)
        let reference = offline.text.split(separator: " ").joined(separator: " ")
        XCTAssertLessThanOrEqual(Self.characterErrorRate(reference, av.text), 0.35, "offline \"\(reference)\" for \"\(av.text)\"")

        // The daemon test's input: 1 s of silence and the first mouth before, 2 s and the last after.
        let silence = [Float](repeating: 0, count: 16_000)
        let audio = silence + clip + silence + silence
        let frames = Array(repeating: crops[0], count: 25) + crops + Array(repeating: crops[crops.count - 1], count: 50)
        let model = try AVStreamingModel(checkpoint: av.checkpoint, cropper: TrackedMouthCropper(facesDirectory: "/nonexistent"))
        let run = try Self.live(model, audio: audio, frames: frames, start: 5000.123)
        XCTAssertEqual(run.finals.count, 1, "finals: \(run.finals.map(\.text))")
        let text = run.finals.map(\.text).joined(separator: " ").lowercased()
        let cer = Self.characterErrorRate(text, av.text)
        let firstPartial = run.partials.first.map { String(format: "%.2f", $0.start - 5001.123) } ?? "none"
        print("av live: final \"\(text)\" CER \(String(format: "%.3f", cer)) (offline \"\(reference)\"); speech from 5001.123 s, final span \(run.finals.map { String(format: "%.2f–%.2f", $0.start - 5001.123, $0.end - 5001.123) }) s, first partial from \(firstPartial) s, relative to the speech; end of speech -> final \(run.finalAudioTimes.map { String(format: "%.2f", $0 - 5001.123 - Double(clip.count) / 16_000) }) s of audio")
        XCTAssertLessThanOrEqual(cer, 0.35, "live final \"\(text)\" for \"\(av.text)\" (offline \"\(reference)\"); partials: \(run.partials.map(\.text))")

        // Issue 13, "end-of-speech → final ≤ 0.2 s": the incremental model ends the utterance on
        // its trailing CTC blank (streaming.endpoint_blank_ms, 120) instead of the VAD's hangover
        // plus endpoint_silence_ms (the rule off: 0), in audio time after the clip's last sample.
        let speechEnd = 5001.123 + Double(clip.count) / 16_000
        var off = StreamingConfiguration()
        off.endpointBlankSeconds = 0
        let before = try Self.live(try AVStreamingModel(checkpoint: av.checkpoint, cropper: TrackedMouthCropper(facesDirectory: "/nonexistent")),
                                   audio: audio, frames: frames, start: 5000.123, configuration: off)
        let delays = run.finalAudioTimes.map { $0 - speechEnd }, offDelays = before.finalAudioTimes.map { $0 - speechEnd }
        func show(_ d: [Double]) -> String { d.map { String(format: "%.2f", $0) }.joined(separator: ", ") }
        print("av live: end of speech -> final \(show(delays)) s of audio with endpoint_blank_ms \(Int(StreamingConfiguration().endpointBlankSeconds * 1000)) (final \"\(run.finals.map(\.text).joined(separator: " | "))\"); \(show(offDelays)) s with endpoint_blank_ms 0 (endpoint_silence_ms 600 after the VAD's 200-ms hangover; final \"\(before.finals.map(\.text).joined(separator: " | "))\")")
        XCTAssertEqual(delays.count, 1)
        XCTAssertLessThanOrEqual(delays.first ?? .infinity, 0.2, "end of speech -> final")
        XCTAssertEqual(run.finals.map(\.text), before.finals.map(\.text), "the sooner endpoint changes no word of the final")
    }
}
