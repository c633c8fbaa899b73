import Capture
import CaptionCore
import Features
import Foundation
import Models
import Streaming

/// The audio-visual model on files (`transcribe --model av`, `eval --model av`): the same
/// incremental decoder the daemon runs (`AVIncrementalDecoder`), fed the whole audio and every
/// mouth crop with its media time, then ended as a clip (the trainer's frame layout).
struct AVOffline {
    let recognizer: AVRecognizer
    let checkpoint: String
    let cropper: TrackedMouthCropper

    struct Result {
        let text: String
        let hypothesis: Hypothesis
        let frames: Int
        let duration: Double
        let millisecondsPerFrame: Double
    }

    /// `model`: "av" (or another av-… name) in the models directory, or a .safetensors file.
    let search: CTCPrefixBeamSearch?

    init(model: String, decoding: AVDecoding = AVDecoding()) throws {
        let dir = ModelLocator.modelsDirectory.path
        do {
            checkpoint = try AVCheckpoint.resolve(model, directory: dir)
            recognizer = try AVRecognizer(path: checkpoint)
            search = try decoding.search(checkpoint: checkpoint, recognizer: recognizer)
        } catch {
            throw CleanExit.failure("\(error)")
        }
        cropper = TrackedMouthCropper(facesDirectory: (dir as NSString).appendingPathComponent("faces"))
    }

    /// How a pinyin checkpoint's text is written (`--script`); nil for an English checkpoint.
    func pinyinScript(_ script: ModelSettings.Script) throws -> PinyinCaptionScript? {
        do { return try PinyinCaptionScript.forVocabulary(recognizer.outputVocabulary, script: script) } catch {
            throw CleanExit.failure("\(checkpoint) emits tone-numbered pinyin: \(error)")
        }
    }

    /// Mouth crops of a Y4M file with their media times; nil where no face was found.
    func crops(video: String) throws -> [(time: Double, crop: [UInt8]?)] {
        let source: VideoFileSource
        do { source = try VideoFileSource(path: video, pacing: .asFastAsPossible) } catch {
            throw CleanExit.failure("\(video): \(error) (give a YUV4MPEG2 file: ffmpeg -i in.mp4 -f yuv4mpegpipe out.y4m)")
        }
        let fps = source.reader.framesPerSecond
        var out: [(Double, [UInt8]?)] = []
        do {
            while let frame = try source.next() {
                out.append((Double(frame.sequence) / fps, try cropper.crop(frame)))
            }
        } catch let e as CleanExit { throw e } catch {
            throw CleanExit.failure("\(video): frame \(out.count): \(error)")
        }
        guard !out.isEmpty else { throw CleanExit.failure("\(video): holds no video frames") }
        return out
    }

    /// Runs the model over `samples` (16 kHz) and `crops`; without crops (or `useVideo` false) the
    /// video branch is off. `frames`: model frames of the clip (default: the video's frame count).
    func run(samples: [Float], crops: [(time: Double, crop: [UInt8]?)]?, useAudio: Bool = true, useVideo: Bool = true) -> Result {
        let video = useVideo && crops != nil
        let decoder = AVIncrementalDecoder(recognizer: recognizer, origin: 0, useAudio: useAudio, useVideo: video, search: search)
        if video, let crops {
            for c in crops { if let crop = c.crop { decoder.addCrop(crop, time: c.time) } }
        }
        decoder.feed(samples[...])
        let frames = crops.map { $0.count }
        decoder.finishClip(frames: frames)
        let duration = Double(samples.count) / Double(AudioRate.model)
        let h = decoder.hypothesis(from: 0, to: Double(decoder.framesDone + 1) * AVIncrementalDecoder.frameSeconds)
        return Result(text: h.text, hypothesis: h, frames: decoder.framesDone, duration: duration,
                      millisecondsPerFrame: decoder.millisecondsPerFrame)
    }
}
