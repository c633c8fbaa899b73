import ArgumentParser
import CaptionCore
import Capture
import Features
import Foundation
import Vision

/// `captionctl faces VIDEO`: faces, lip landmarks, mouth openness and who is speaking, per frame.
struct Faces: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "faces",
        abstract: "Show what the camera pipeline sees in a video: faces, lips, mouth openness, the speaker.",
        discussion: """
        VIDEO is a Y4M file, or any video ffmpeg reads (converted to Y4M first). Audio for the \
        speaking score comes from --audio, else from VIDEO itself when it has an audio stream; \
        without audio the speaking probability is absent. Models: face_detection_short_range.tflite and \
        face_landmark.tflite in <models>/faces (scripts/fetch-models faces). --bench prints the \
        per-frame cost of each stage instead of the frames. --device /dev/videoN analyses a live \
        camera instead of a file (through the daemon's V4L2 capture), with the microphone \
        --audio-device (an ALSA capture PCM, "default" unless given; captured on the camera's \
        clock) for the speaking probability; --audio-device none analyses without audio (no \
        speaking probability). Stop with Ctrl-C or --max-frames.
        """)

    @Argument(help: "Video file (Y4M, or anything ffmpeg decodes); omit with --device.")
    var video: String?

    @Option(name: .long, help: "A V4L2 camera (e.g. /dev/video0) instead of a file.")
    var device: String?

    @Option(name: .long, help: "Frame size asked of the camera with --device, WIDTHxHEIGHT.")
    var size = "640x480"

    @Option(name: .long, help: "Frames per second asked of the camera with --device.")
    var fps = 30

    @Option(name: .long, help: "Audio file for the speaking score (WAV, FLAC or anything ffmpeg decodes).")
    var audio: String?

    @Option(name: .long, help: "With --device: the microphone, an ALSA capture PCM (default \"default\"); \"none\": no audio, no speaking probability.")
    var audioDevice: String?

    @Flag(name: .long, help: "With --audio-device: pace reads by the wall clock (for PCMs no sound card paces, e.g. alsa-lib's file plugin over null).")
    var paceAudio = false

    @Flag(name: .long, help: "One JSON object per frame.")
    var json = false

    @Option(name: .long, help: "Write the frames with boxes, lip points and the speaker marked to this Y4M file.")
    var overlay: String?

    @Option(name: .long, help: "Run the face detector every N frames (landmarks track in between).")
    var detectEvery = 5

    @Option(name: .long, help: "While faces are tracked, run the detector every N frames (default: --detect-every); a face lost brings it back at once.")
    var trackedDetectEvery: Int?

    @Option(name: .long, help: "Run the landmark model every N frames (2 halves its cost; lip motion is then sampled at half the frame rate).")
    var landmarkEvery = 1

    @Option(name: .long, help: "Directory holding faces/ (default: $CAPTIOND_MODELS or the fetch-models location).")
    var models: String?

    @Option(name: .long, help: "Stop after this many frames.")
    var maxFrames: Int?

    @Flag(name: .long, help: "Print the per-frame cost (ms) of detection, landmarks and the speaking score.")
    var bench = false

    func run() throws {
        do {
            try analyse()
        } catch let error as VisionError {
            throw Faces.fail(error.description)
        } catch let error as CaptureError {
            throw Faces.fail(error.description)
        } catch let error as FeaturesError {
            throw Faces.fail(error.description)
        } catch let failure as FacesFailure {
            throw Faces.fail(failure.message)
        }
    }

    func validate() throws {
        if device != nil && video != nil { throw ValidationError("give either VIDEO or --device, not both") }
        if device == nil && video == nil { throw ValidationError("give a VIDEO file or --device /dev/videoN") }
        if device != nil && audio != nil { throw ValidationError("--audio goes with a VIDEO file; with --device the microphone is --audio-device") }
        if device == nil && (audioDevice != nil || paceAudio) { throw ValidationError("--audio-device and --pace-audio go with --device; a VIDEO file takes --audio") }
        if let n = trackedDetectEvery, n < 1 { throw ValidationError("--tracked-detect-every \(n): expected a number of frames ≥ 1") }
        if let a = audioDevice, a.isEmpty { throw ValidationError("--audio-device: give an ALSA capture PCM name, or none") }
    }

    private func analyse() throws {
        let dir = URL(fileURLWithPath: models ?? Faces.defaultModels()).appendingPathComponent("faces")
        let detector = try BlazeFaceDetector(contentsOf: dir.appendingPathComponent("face_detection_short_range.tflite").path)
        let mesh = try FaceMeshModel(contentsOf: dir.appendingPathComponent("face_landmark.tflite").path)
        let tracker = FaceTracker(detector: detector, landmarker: mesh, detectEvery: detectEvery, landmarkEvery: landmarkEvery,
                                  trackedDetectEvery: trackedDetectEvery)
        detector.graph.profiling = bench
        mesh.graph.profiling = bench
        defer {
            if bench {
                print("ops: detector \(detector.graph.profileSummary)")
                print("ops: landmarks \(mesh.graph.profileSummary)")
            }
        }
        if let device { return try analyseCamera(device, tracker: tracker) }
        guard let video, FileManager.default.fileExists(atPath: video) else { throw FacesFailure("\(video ?? ""): no such file") }

        var temp: String?
        defer { if let temp { try? FileManager.default.removeItem(atPath: temp) } }
        let y4m: String
        if try Faces.isY4M(video) {
            y4m = video
        } else {
            let path = NSTemporaryDirectory() + "captionctl-faces-\(getpid()).y4m"
            temp = path
            try Faces.ffmpegToY4M(video, path)
            y4m = path
        }
        var samples: [Float]?
        if let audio {
            samples = try AudioDecoder.load(audio)
        } else if temp != nil {
            samples = try? AudioDecoder.load(video)   // a container without audio: no speaking score
        }
        if samples == nil {
            FileHandle.standardError.write(Data("captionctl faces: \(video) has no audio and no --audio was given: no speaking probability\n".utf8))
        }
        let analyzer = try FaceVideoAnalyzer(tracker: tracker, audio: samples)
        let reader = try Y4MReader(stream: try ByteStream(path: y4m))
        let writer = try overlay.map { try Y4MGreyWriter(path: $0, width: reader.width, height: reader.height,
                                                            rateNumerator: reader.rateNumerator, rateDenominator: reader.rateDenominator) }
        var output = FrameOutput(json: json, bench: bench, writer: writer)
        while maxFrames.map({ reader.framesRead < $0 }) ?? true, let luma = try reader.nextLuma() {
            let time = Double(reader.framesRead - 1) / reader.framesPerSecond
            let image = try GreyImage(width: reader.width, height: reader.height, pixels: luma)
            try output.show(try analyzer.process(image, time: time), image: image, tracker: tracker)
        }
        try writer?.close()
        if bench || !json {
            Faces.printCost(output.costs, detectEvery: detectEvery, landmarkEvery: landmarkEvery,
                            cropMs: output.cropSeconds * 1000 / Double(max(output.costs.count, 1)),
                            width: reader.width, height: reader.height)
        }
    }

    /// `--device`: frames from a V4L2 camera (Capture's `V4L2Camera`, the daemon's capture layer).
    private func analyseCamera(_ path: String, tracker: FaceTracker) throws {
        let parts = size.split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, (16...4096).contains(parts[0]), (16...4096).contains(parts[1]) else {
            throw FacesFailure("--size \(size): expected WIDTHxHEIGHT, each 16–4096 (e.g. 640x480)")
        }
        guard (1...120).contains(fps) else { throw FacesFailure("--fps \(fps): expected 1–120") }
        let camera = try V4L2Camera(device: .live, configuration: V4L2Configuration(path: path, width: parts[0], height: parts[1],
                                                                                   framesPerSecond: fps),
                                    lumaConverter: LumaConversion())
        defer { camera.close() }
        let f = camera.format
        FileHandle.standardError.write(Data("captionctl faces: \(path): \(f.width)x\(f.height) \(f.pixelFormat.rawValue.uppercased()) at \(f.framesPerSecond > 0 ? String(format: "%.1f", f.framesPerSecond) : "?") frames/s\n".utf8))
        let microphone = try openMicrophone()
        defer { microphone?.stop() }
        let analyzer = try microphone == nil ? FaceVideoAnalyzer(tracker: tracker, audio: nil)
                                             : FaceVideoAnalyzer(tracker: tracker, liveAudioSampleRate: AudioRate.model)
        microphone?.start()
        let writer = try overlay.map { try Y4MGreyWriter(path: $0, width: f.width, height: f.height,
                                                            rateNumerator: fps, rateDenominator: 1) }
        var output = FrameOutput(json: json, bench: bench, writer: writer)
        var first: Double?
        var frames = 0, timeouts = 0
        while maxFrames.map({ frames < $0 }) ?? true {
            var grabbed: (GreyImage, Double)?
            var failure: Error?
            let outcome = try camera.nextFrame { luma, width, height, time, _ in
                do { grabbed = (try GreyImage(width: width, height: height, pixels: Array(luma)), time) } catch { failure = error }
            }
            if let failure { throw failure }
            switch outcome {
            case .timeout:
                timeouts += 1
                if timeouts * Int(V4L2Configuration().pollTimeoutMilliseconds) > 5_000 && frames == 0 {
                    throw FacesFailure("\(path): no frame within 5 s (is another program using the camera?)")
                }
                continue
            case .malformed(let why):
                FileHandle.standardError.write(Data("captionctl faces: skipping a frame: \(why)\n".utf8))
                continue
            case .frame:
                break
            }
            guard let (image, time) = grabbed else { continue }
            let t0 = first ?? time
            first = t0
            // frame and audio times are both CLOCK_MONOTONIC: the analyser runs on capture time
            try microphone?.feed(analyzer, upTo: time)
            var result = try analyzer.process(image, time: time)
            result.time = time - t0
            try output.show(result, image: image, tracker: tracker)
            frames += 1
        }
        if let microphone, microphone.lateFrames > 0 {
            FileHandle.standardError.write(Data("captionctl faces: \(microphone.lateFrames) frame(s) analysed before their audio arrived (microphone more than 0.5 s late)\n".utf8))
        }
        try writer?.close()
        if bench || !json {
            Faces.printCost(output.costs, detectEvery: detectEvery, landmarkEvery: landmarkEvery,
                            cropMs: output.cropSeconds * 1000 / Double(max(output.costs.count, 1)),
                            width: f.width, height: f.height)
        }
    }
}

extension Faces {
    /// The microphone for `--device`: `--audio-device` (opened, or a precise error), none for
    /// `--audio-device none`; without the option, ALSA's "default" when it opens, else none with a
    /// note on standard error (a camera without a sound card still shows its faces).
    func openMicrophone() throws -> FacesMicrophone? {
        if audioDevice == "none" {
            FileHandle.standardError.write(Data("captionctl faces: no audio (--audio-device none): no speaking probability\n".utf8))
            return nil
        }
        if let audioDevice { return try FacesMicrophone(device: audioDevice, paceRealTime: paceAudio) }
        do {
            return try FacesMicrophone(device: "default", paceRealTime: paceAudio)
        } catch let failure as FacesFailure {
            FileHandle.standardError.write(Data("captionctl faces: no audio, so no speaking probability: \(failure.message)\n".utf8))
            return nil
        }
    }
}

/// Prints (or benchmarks) one analysed frame and writes its overlay.
struct FrameOutput {
    let json: Bool
    let bench: Bool
    let writer: Y4MGreyWriter?
    var costs: [(Double, Double, Double, Bool)] = []
    var cropSeconds = 0.0
    private let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    init(json: Bool, bench: Bool, writer: Y4MGreyWriter?) { self.json = json; self.bench = bench; self.writer = writer }

    mutating func show(_ result: FaceFrameResult, image: GreyImage, tracker: FaceTracker) throws {
        var image = image
        do {
            // the mouth crops the audio-visual model consumes (docs/MOUTH_CROP.md), part of the per-frame cost
            let c0 = ThreadCPUTime.now()
            for face in result.faces {
                let crop = AffineCrop.mouth(leftCorner: (face.lips[2][0], face.lips[2][1]), rightCorner: (face.lips[3][0], face.lips[3][1]))
                _ = crop.sample(luma: image.pixels, width: image.width, height: image.height)
            }
            cropSeconds += ThreadCPUTime.now() - c0
            costs.append((result.detectMs, result.landmarksMs, result.speakingMs, tracker.lastFrameRanDetector))
            if json && !bench {
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
            } else if !bench {
                let faces = result.faces.map { f in
                    String(format: "#%d [%.0f %.0f %.0f %.0f] score %.2f open %.2f",
                           f.id, f.box[0], f.box[1], f.box[2], f.box[3], f.score, f.mouthOpenness)
                        + (f.speaking.map { String(format: " speaking %.2f", $0) } ?? "")
                }
                print(String(format: "%5d %7.2fs ", result.frame, result.time)
                      + (faces.isEmpty ? "no face" : faces.joined(separator: "; "))
                      + (result.speaker.map { " speaker #\($0)" } ?? ""))
            }
            if let writer {
                FaceOverlay.draw(result, on: &image)
                try writer.write(image)
            }
        }
    }
}

extension Faces {
    /// Stage costs in thread CPU time (so they hold on a busy machine).
    static func printCost(_ costs: [(Double, Double, Double, Bool)], detectEvery: Int, landmarkEvery: Int, cropMs: Double,
                          width: Int, height: Int) {
        guard !costs.isEmpty else { return print("cost: no frames") }
        let detections = costs.filter { $0.3 }.map { $0.0 }
        let landmarkRuns = costs.map { $0.1 }.filter { $0 > 0 }
        let speaking = costs.map { $0.2 }
        func mean(_ x: [Double]) -> Double { x.isEmpty ? 0 : x.reduce(0, +) / Double(x.count) }
        let amortised = mean(costs.map { $0.0 + $0.1 + $0.2 }) + cropMs
        print(String(format: "cost: %d frames %dx%d (CPU time); detection %.2f ms per run (every %d frames), "
                     + "landmarks %.2f ms per run (every %d frames), speaking score %.3f ms per frame, mouth crop %.3f ms per frame; "
                     + "amortised %.2f ms per frame = %.1f%% of one core at 30 fps",
                     costs.count, width, height, mean(detections), detectEvery, mean(landmarkRuns), landmarkEvery,
                     mean(speaking), cropMs, amortised, amortised * 30 / 10))
    }

    static func defaultModels() -> String {
        if let env = ProcessInfo.processInfo.environment["CAPTIOND_MODELS"], !env.isEmpty { return env }
        return getuid() == 0 ? "/var/lib/captiond/models" : NSHomeDirectory() + "/.cache/captiond/models"
    }

    static func isY4M(_ path: String) throws -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw FacesFailure("\(path): cannot open for reading") }
        defer { try? handle.close() }
        let head = handle.readData(ofLength: 9)
        return head == Data("YUV4MPEG2".utf8)
    }

    static func ffmpegToY4M(_ input: String, _ output: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", input, "-an", "-pix_fmt", "yuv420p",
                             "-f", "yuv4mpegpipe", output]
        let err = Pipe()
        process.standardError = err
        do { try process.run() } catch {
            throw FacesFailure("\(input): cannot run ffmpeg to decode it (\(error)): install ffmpeg or pass a Y4M file")
        }
        let message = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let line = String(decoding: message, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? "exit \(process.terminationStatus)"
            throw FacesFailure("\(input): ffmpeg could not decode the video (\(line)): pass a Y4M file or a video ffmpeg reads")
        }
    }

    static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("captionctl faces: \(message)\n".utf8))
        return ExitCode(2)
    }
}

struct FacesFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Writes grey frames as a YUV4MPEG2 4:2:0 stream (neutral chroma), for the overlay.
final class Y4MGreyWriter {
    private let handle: FileHandle
    private let chroma: Data
    let path: String

    init(path: String, width: Int, height: Int, rateNumerator: Int, rateDenominator: Int) throws {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw FacesFailure("--overlay \(path): cannot create the file (check the directory exists and is writable)")
        }
        handle = h
        chroma = Data(repeating: 128, count: 2 * ((width + 1) / 2) * ((height + 1) / 2))
        try handle.write(contentsOf: Data("YUV4MPEG2 W\(width) H\(height) F\(rateNumerator):\(rateDenominator) Ip A1:1 C420jpeg\n".utf8))
    }

    func write(_ image: GreyImage) throws {
        try handle.write(contentsOf: Data("FRAME\n".utf8))
        try handle.write(contentsOf: Data(image.pixels))
        try handle.write(contentsOf: chroma)
    }

    func close() throws { try handle.close() }
}
