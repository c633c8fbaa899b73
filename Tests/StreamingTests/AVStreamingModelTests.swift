import XCTest
import Foundation
import CaptionCore
import Features
import Models
import TestSupport
@testable import Streaming

/// The audio-visual model in the live path gives the whole-clip result: windows decoded as the
/// policy asks for them (each new sample and camera frame once) against the model run on the
/// whole clip's features (the trainer's: log-mel of the whole signal, standardised crops). Uses
/// the checkpoint `AVTestCheckpoint` trains on one corpus clip (`swift test -c release`).
final class AVStreamingModelTests: XCTestCase {
    func words(_ s: String) -> String { s.split(separator: " ").joined(separator: " ") }

    /// The whole-clip features as the trainer builds them (AVExampleLoader.melRows).
    func wholeClipLogits(_ r: AVRecognizer, audio: [Float], crops: [[UInt8]], frames t: Int,
                         useVideo: Bool = true) -> [Float] {
        let raw = LogMelSpectrogram(melBins: 80).rawLogMel(audio)
        var rows = [Float](repeating: (-8 + 4) / 4, count: t * 320)
        for f in 0..<min(raw.count / 80, t * 4) { for b in 0..<80 { rows[f * 80 + b] = (max(raw[f * 80 + b], -8) + 4) / 4 } }
        return r.logits(crops: crops.prefix(t).flatMap(MouthCropSpec.standardised), mel: rows, frames: t, useVideo: useVideo)
    }

    /// Windows growing by `every` samples from `start`, camera frames arriving with the audio, as
    /// the policy asks for them; returns the utterance's final decode.
    func liveWindows(_ model: AVStreamingModel, audio: [Float], crops: [[UInt8]], start: Double, every: Int) throws -> Hypothesis {
        var nextFrame = 0
        for end in Swift.stride(from: every, through: audio.count + every - 1, by: every).map({ min($0, audio.count) }) {
            while nextFrame < crops.count, Double(nextFrame) * 0.04 < Double(end) / 16_000 {
                model.accept(frame: VideoFrame(width: 64, height: 64, luma: crops[nextFrame], timestamp: start + Double(nextFrame) * 0.04,
                                               sequence: UInt64(nextFrame)))
                nextFrame += 1
            }
            _ = try model.decodeWindow(audio[0..<end], startTime: start, prompt: "")
        }
        return try model.decodeUtterance(audio[...], startTime: start, prompt: "")
    }

    func testIncrementalWindowsGiveTheWholeClipResult() throws {
        let av = try AVTestCheckpoint.make()
        let recognizer = try AVRecognizer(path: av.checkpoint)
        let audio = try WAVFile(contentsOf: av.audio).monoSamples()
        let crops = try AVTestCheckpoint.mouthFrames(av.mouth)
        let t = crops.count
        XCTAssertEqual(t, (audio.count + 639) / 640)

        // Offline through the incremental decoder == the model on the whole clip's features.
        let offline = AVIncrementalDecoder(recognizer: recognizer)
        for (k, c) in crops.enumerated() { offline.addCrop(c, time: Double(k) * 0.04) }
        offline.feed(audio[...])
        offline.finishClip(frames: t)
        XCTAssertEqual(offline.framesDone, t)
        let whole = wholeClipLogits(recognizer, audio: audio, crops: crops, frames: t)
        XCTAssertEqual(words(offline.text), words(recognizer.greedyText(whole, frames: t)))
        XCTAssertFalse(offline.text.isEmpty)

        // Live: the policy's growing windows from one start, camera frames arriving with the audio.
        let start = 1000.0
        let model = try AVStreamingModel(checkpoint: av.checkpoint, cropper: TrackedMouthCropper(facesDirectory: "/nonexistent"), decoding: .bestPath)
        var nextFrame = 0
        var last: Hypothesis?
        for end in Swift.stride(from: 8000, through: audio.count + 7999, by: 8000).map({ min($0, audio.count) }) {
            while nextFrame < t, Double(nextFrame) * 0.04 < Double(end) / 16_000 {
                model.accept(frame: VideoFrame(width: 64, height: 64, luma: crops[nextFrame], timestamp: start + Double(nextFrame) * 0.04,
                                               sequence: UInt64(nextFrame)))
                nextFrame += 1
            }
            last = try model.decodeWindow(audio[0..<end], startTime: start, prompt: "")
        }
        let final = try model.decodeUtterance(audio[...], startTime: start, prompt: "")
        XCTAssertEqual(final, last)
        let n = model.framesDone
        XCTAssertGreaterThanOrEqual(n, t - 2, "frames left undecided at the end of the audio")
        XCTAssertEqual(words(final.text), words(recognizer.greedyText(Array(whole.prefix(n * whole.count / crops.count)), frames: n)))
        // Word times are the emitting frames' times on the capture clock.
        if let w = final.words.first { XCTAssertGreaterThanOrEqual(w.start, start); XCTAssertFalse(final.timesAreEstimated) }
        XCTAssertEqual(model.skippedFrames, 0)
    }

    /// Without any camera frame the model runs its audio branch alone (video gated off), and a
    /// full frame without face models is counted as skipped with the reason.
    func testWithoutVideoTheAudioBranchRunsAlone() throws {
        let av = try AVTestCheckpoint.make()
        let recognizer = try AVRecognizer(path: av.checkpoint)
        let audio = try WAVFile(contentsOf: av.audio).monoSamples()
        let crops = try AVTestCheckpoint.mouthFrames(av.mouth)
        let model = try AVStreamingModel(checkpoint: av.checkpoint, cropper: TrackedMouthCropper(facesDirectory: "/nonexistent"), decoding: .bestPath)
        let h = try model.decodeUtterance(audio[...], startTime: 5, prompt: "")
        let n = model.framesDone
        let whole = wholeClipLogits(recognizer, audio: audio, crops: crops, frames: crops.count, useVideo: false)
        XCTAssertEqual(words(h.text), words(recognizer.greedyText(Array(whole.prefix(n * whole.count / crops.count)), frames: n)))

        model.accept(frame: VideoFrame(width: 160, height: 120, luma: [UInt8](repeating: 90, count: 160 * 120), timestamp: 9, sequence: 0))
        XCTAssertEqual(model.skippedFrames, 1)
        XCTAssertTrue(model.lastVideoProblem?.contains("fetch-models faces") ?? false, model.lastVideoProblem ?? "")
        XCTAssertThrowsError(try AVStreamingModel(checkpoint: "/nonexistent.safetensors", cropper: TrackedMouthCropper(facesDirectory: "/x")))
        XCTAssertThrowsError(try AVCheckpoint.resolve("av", directory: "/nonexistent")) { e in
            XCTAssertTrue("\(e)".contains("captionctl train"), "\(e)")
        }
    }

    /// With the CTC prefix search and a character language model (AVDecoding: the .arpa beside the
    /// checkpoint), the live windows give the search over the whole clip's CTC rows; the stream
    /// under the incremental decoder keeps no per-frame decoder memory (it would grow all day).
    func testTheSearchOverWindowsGivesTheWholeClipSearch() throws {
        let av = try AVTestCheckpoint.make()
        let recognizer = try AVRecognizer(path: av.checkpoint)
        let audio = try WAVFile(contentsOf: av.audio).monoSamples()
        let crops = try AVTestCheckpoint.mouthFrames(av.mouth)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("av-search-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let checkpoint = dir + "/av.safetensors"
        try FileManager.default.copyItem(atPath: av.checkpoint, toPath: checkpoint)
        let vocabulary = recognizer.outputVocabulary
        let lm = try CharacterNGramModel.estimate(sentences: [vocabulary.ids(av.text).ids, vocabulary.ids("bin blue at a one now").ids],
                                                  symbols: vocabulary.symbols, order: 4)
        try lm.arpa().write(toFile: AVDecoding.sidecar(of: checkpoint), atomically: true, encoding: .utf8)
        var decoding = AVDecoding(); decoding.width = 6; decoding.lmWeight = 0.4; decoding.lengthBonus = 0.5

        let start = 20.0
        let model = try AVStreamingModel(checkpoint: checkpoint, cropper: TrackedMouthCropper(facesDirectory: "/nonexistent"), decoding: decoding)
        let search = try XCTUnwrap(model.search)
        XCTAssertNotNil(search.languageModel, "the .arpa beside the checkpoint is used")
        let t = crops.count
        let final = try liveWindows(model, audio: audio, crops: crops, start: start, every: 6400)
        let n = model.framesDone
        let whole = wholeClipLogits(recognizer, audio: audio, crops: crops, frames: t)
        let classes = recognizer.classes
        var rows: [Float] = []
        for r in 0..<(whole.count / classes) { rows += LogProbabilities.logSoftmax(Array(whole[(r * classes)..<((r + 1) * classes)])) }
        let steps = whole.count / classes * n / t
        let expected = search.search(logProbs: Array(rows.prefix(steps * classes)), steps: steps, classes: classes)
        XCTAssertEqual(words(final.text), words(vocabulary.text(expected.ids)))
        XCTAssertFalse(final.text.isEmpty)
        if let w = final.words.first { XCTAssertGreaterThanOrEqual(w.start, start) }

        // Offline (the clip ended): the search over every step; the incremental decoder's stream
        // gives CTC logits only and keeps no decoder memory.
        let offline = AVIncrementalDecoder(recognizer: recognizer, search: search)
        for (k, c) in crops.enumerated() { offline.addCrop(c, time: Double(k) * 0.04) }
        offline.feed(audio[...])
        offline.finishClip(frames: t)
        XCTAssertEqual(offline.stream.retainedFrames, 0)
        let all = search.search(logProbs: rows, steps: whole.count / classes, classes: classes)
        XCTAssertEqual(words(offline.text), words(vocabulary.text(all.ids)))

        // A sidecar that is not a language model is a clear error naming the file.
        try "not an arpa file".write(toFile: AVDecoding.sidecar(of: checkpoint), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try AVStreamingModel(checkpoint: checkpoint, cropper: TrackedMouthCropper(facesDirectory: "/x"))) { e in
            XCTAssertTrue("\(e)".contains(".arpa"), "\(e)")
        }
        XCTAssertNil(try AVStreamingModel(checkpoint: checkpoint, cropper: TrackedMouthCropper(facesDirectory: "/x"), decoding: .bestPath).search)

        // Windows growing from one start resume the search: each CTC step is searched once,
        // where searching each window afresh would search 1 + 2 + … + n pieces.
        let growing = AVIncrementalDecoder(recognizer: recognizer, search: search)
        for (k, c) in crops.enumerated() { growing.addCrop(c, time: Double(k) * 0.04) }
        var windows = 0, fed = 0
        while fed < audio.count {
            let next = min(audio.count, fed + 3200)
            growing.feed(audio[fed..<next])
            fed = next
            _ = growing.hypothesis(from: 0, to: Double(growing.framesDone) * 0.04 + 0.001)
            windows += 1
        }
        let grown = growing.framesDone * (whole.count / classes / t)
        XCTAssertGreaterThan(windows, 5)
        XCTAssertEqual(growing.stepsSearched, grown)
        XCTAssertEqual(words(growing.hypothesis(from: 0, to: Double(growing.framesDone) * 0.04 + 0.001).text),
                       words(vocabulary.text(search.search(logProbs: Array(rows.prefix(grown * classes)), steps: grown, classes: classes).ids)))

        // Frames older than `keepFrames` are dropped with their CTC rows: the text is the search
        // over the frames kept.
        let short = AVIncrementalDecoder(recognizer: recognizer, search: search)
        short.keepFrames = 12
        for (k, c) in crops.enumerated() { short.addCrop(c, time: Double(k) * 0.04) }
        short.feed(audio[...])
        let perFrame = whole.count / classes / t, kept = 12 * perFrame, end = short.framesDone * perFrame
        XCTAssertGreaterThan(short.framesDone, 24)
        let tail = search.search(logProbs: Array(rows[((end - kept) * classes)..<(end * classes)]), steps: kept, classes: classes)
        XCTAssertEqual(words(short.hypothesis(from: 0, to: Double(short.framesDone) * 0.04 + 0.001).text), words(vocabulary.text(tail.ids)))
    }

    /// With the attention decoder in the search (`TriggeredAttention`, γ > 0), live windows that
    /// grow from one start give what the clip decoded at once gives: the search keeps only the
    /// steps whose lookahead frames exist and searches the rest on a copy.
    func testTheSearchWithTheAttentionDecoderGivesTheSameTextLiveAndOffline() throws {
        let av = try AVTestCheckpoint.make()
        let recognizer = try AVRecognizer(path: av.checkpoint)
        XCTAssertTrue(recognizer.hasDecoder)
        let audio = try WAVFile(contentsOf: av.audio).monoSamples()
        let crops = try AVTestCheckpoint.mouthFrames(av.mouth)
        var decoding = AVDecoding(); decoding.width = 6; decoding.attentionWeight = 0.7
        let search = try XCTUnwrap(try decoding.search(checkpoint: av.checkpoint, recognizer: recognizer))
        XCTAssertNotNil(search.attention)

        let start = 7.0
        let model = try AVStreamingModel(checkpoint: av.checkpoint, cropper: TrackedMouthCropper(facesDirectory: "/nonexistent"), decoding: decoding)
        let live = try liveWindows(model, audio: audio, crops: crops, start: start, every: 4000)

        // The same frames decoded at once: an incremental decoder fed the whole clip, asked once.
        let once = AVIncrementalDecoder(recognizer: recognizer, origin: start, search: search)
        for (k, c) in crops.enumerated() { once.addCrop(c, time: start + Double(k) * 0.04) }
        once.feed(audio[...])
        let h = once.hypothesis(from: start, to: start + Double(model.framesDone) * 0.04 + 0.001)
        XCTAssertGreaterThanOrEqual(once.framesDone, model.framesDone)
        XCTAssertEqual(words(live.text), words(h.text))
        XCTAssertFalse(live.text.isEmpty)
        XCTAssertEqual(once.stream.retainedFrames, 0)

        // Asked after every 0.2 s of audio, the search resumes: ids, emission steps and score (the
        // attention log-probabilities included, which a lookahead cut at a window's edge changes)
        // equal one search over the same frames.
        let growing = AVIncrementalDecoder(recognizer: recognizer, origin: start, search: search)
        for (k, c) in crops.enumerated() { growing.addCrop(c, time: start + Double(k) * 0.04) }
        var fed = 0
        while fed < audio.count {
            let next = min(audio.count, fed + 3200)
            growing.feed(audio[fed..<next])
            fed = next
            _ = growing.hypothesis(from: start, to: start + Double(growing.framesDone) * 0.04 + 0.001)
        }
        let resumed = try XCTUnwrap(growing.lastSearchResult)
        let single = AVIncrementalDecoder(recognizer: recognizer, origin: start, search: search)
        for (k, c) in crops.enumerated() { single.addCrop(c, time: start + Double(k) * 0.04) }
        single.feed(audio[...])
        XCTAssertEqual(single.framesDone, growing.framesDone)
        _ = single.hypothesis(from: start, to: start + Double(single.framesDone) * 0.04 + 0.001)
        XCTAssertEqual(single.lastSearchResult, resumed)
    }

    /// Digital silence is blank by construction only after `silenceGraceFrames` frames of it: a
    /// short run of zeros (espeak's pause between words, where the causal model's spike for the
    /// word's last character falls) is decoded like any audio, and the trailing silence a final
    /// waits for starts that many frames later.
    func testShortDigitalSilenceIsDecodedAndLongSilenceIsBlank() throws {
        let av = try AVTestCheckpoint.make()
        let recognizer = try AVRecognizer(path: av.checkpoint)
        let audio = try WAVFile(contentsOf: av.audio).monoSamples()
        func decoded(grace: Int, _ samples: [Float]) -> Hypothesis {
            let d = AVIncrementalDecoder(recognizer: recognizer, useVideo: false)
            d.silenceGraceFrames = grace
            d.feed(samples[...])
            return d.hypothesis(from: 0, to: Double(d.framesDone) * 0.04 + 0.001)
        }
        let padded = audio + [Float](repeating: 0, count: 16_000)
        let blankAt = try (0...3).map { try XCTUnwrap(decoded(grace: $0, padded).trailingBlank?.silentSince) }
        for g in 1...3 { XCTAssertEqual(blankAt[g] - blankAt[0], 0.04 * Double(g), accuracy: 1e-9) }
        XCTAssertLessThan(blankAt[0], Double(padded.count) / 16_000 - 0.5)

        // A 3-frame gap of zeros in the speech, within the grace: decoded as the model's own output
        // says (the whole-clip best path over the same frames).
        let crops = try AVTestCheckpoint.mouthFrames(av.mouth)
        var gapped = audio
        let mid = (gapped.count / 2 / 640) * 640
        for i in mid..<min(gapped.count, mid + 3 * 640) { gapped[i] = 0 }
        let d = AVIncrementalDecoder(recognizer: recognizer, useVideo: false)
        d.silenceGraceFrames = 3
        d.feed(gapped[...])
        let withGrace = d.hypothesis(from: 0, to: Double(d.framesDone) * 0.04 + 0.001)
        let whole = wholeClipLogits(recognizer, audio: gapped, crops: crops, frames: crops.count, useVideo: false)
        let n = d.framesDone
        XCTAssertEqual(words(withGrace.text), words(recognizer.greedyText(Array(whole.prefix(n * whole.count / crops.count)), frames: n)))
        // Without the grace the gap's frames are blank, and the spike the model puts there is lost.
        XCTAssertNotEqual(words(decoded(grace: 0, gapped).text), words(withGrace.text), "no spike in the gap: move it")
        XCTAssertNil(withGrace.trailingBlank?.silentSince, "the clip ends in speech")
    }
}
