// capture-bench: the CPU cost of capture. Captures `--seconds` of 16-kHz audio through the real
// alsa-lib `file` plugin path (paced at real time) plus video from a V4L2 device (run it with the
// LD_PRELOAD fake camera, Tests/Fixtures/fakev4l2) converted to luma, while a consumer drains both
// rings; then prints the CPU time used (getrusage) as a percentage of one core.
//
//   cc -shared -fPIC -O2 -o .build/fakev4l2.so Tests/Fixtures/fakev4l2/fakev4l2.c -ldl
//   LD_PRELOAD=$PWD/.build/fakev4l2.so .build/release/capture-bench --seconds 10
//
// `--frames N --no-audio --print-frames` prints one line per frame (used by the end-to-end test).
import CaptionCore
import Capture
import Features
import Foundation

struct Options {
    var seconds = 10.0
    var video: String? = "/dev/video0"
    var audio = true
    var frames: UInt64?
    var printFrames = false
}

func parse(_ args: [String]) -> Options? {
    var o = Options()
    var i = 0
    func value() -> String? { i += 1; return i < args.count ? args[i] : nil }
    while i < args.count {
        switch args[i] {
        case "--seconds": guard let v = value().flatMap(Double.init), v > 0 else { return nil }; o.seconds = v
        case "--video": guard let v = value() else { return nil }; o.video = v
        case "--no-video": o.video = nil
        case "--no-audio": o.audio = false
        case "--frames": guard let v = value().flatMap(UInt64.init) else { return nil }; o.frames = v
        case "--print-frames": o.printFrames = true
        default: return nil
        }
        i += 1
    }
    return o
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("capture-bench: \(message)\n".utf8))
    exit(1)
}

func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) * 1e-6
        + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) * 1e-6
}

/// A raw S16 mono 16-kHz file of `seconds` of a 440 Hz tone for the `file` PCM to read.
func writeTone(seconds: Double) throws -> String {
    let rate = AudioRate.model
    let n = Int(seconds * Double(rate)) + rate
    var samples = [Int16](repeating: 0, count: n)
    for i in 0..<n { samples[i] = Int16(8000 * sin(2 * Double.pi * 440 * Double(i) / Double(rate))) }
    let path = NSTemporaryDirectory() + "capture-bench-\(getpid()).raw"
    try samples.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: path)) }
    return path
}

guard let options = parse(Array(CommandLine.arguments.dropFirst())) else {
    fail("usage: capture-bench [--seconds S] [--video PATH | --no-video] [--no-audio] [--frames N] [--print-frames]")
}

let audioRing = SampleRing(capacity: AudioRate.model * 30)
let frameRing = FrameRing(slots: 8, maxWidth: 1920, maxHeight: 1080)
var audioCapture: ALSACapture?
var videoCapture: V4L2Capture?
var tonePath: String?

do {
    if options.audio {
        let path = try writeTone(seconds: options.seconds)
        tonePath = path
        let config = ALSAConfiguration(device: "captiondbench",
                                       configText: ALSAConfiguration.filePCMConfig(name: "captiondbench", infile: path),
                                       formats: [.s16LE], paceRealTime: true,
                                       frameLimit: Int(options.seconds * Double(AudioRate.model)))
        audioCapture = ALSACapture(configuration: config, ring: audioRing, resamplers: Resampler.Factory(),
                                   log: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
    }
    if let path = options.video {
        videoCapture = V4L2Capture(configuration: V4L2Configuration(path: path, maxReopenAttempts: 3), ring: frameRing,
                                   lumaConverter: LumaConversion(),
                                   log: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
    }
} catch {
    fail("\(error)")
}

let cpuStart = cpuSeconds()
let wallStart = MonotonicClock.now()
audioCapture?.start()
videoCapture?.start()

// The consumer waits on the rings' wake-ups (no polling): audio is drained on a thread of its
// own, frames on this one.
final class AudioDrain: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private var stopping = false
    private let done = DispatchSemaphore(value: 0)

    init(_ ring: SampleRing) {
        Thread { [self] in
            while !lock.withLock({ stopping }) {
                _ = ring.waitForSamples(timeout: 1)
                while let chunk = ring.read(maxCount: 4096) { lock.withLock { count += chunk.samples.count } }
            }
            done.signal()
        }.start()
    }

    /// Stops the thread (interrupting its wait) and returns the samples it drained.
    func stop(_ ring: SampleRing) -> Int {
        lock.withLock { stopping = true }
        ring.interruptWait()
        done.wait()
        while let chunk = ring.read(maxCount: 4096) { count += chunk.samples.count }
        return lock.withLock { count }
    }
}
let audioDrain = audioCapture == nil ? nil : AudioDrain(audioRing)
var samples = 0
var frames: UInt64 = 0
var lastSequence: UInt64?
var sequenceGaps: UInt64 = 0
let deadline = wallStart + options.seconds
if videoCapture == nil {
    _ = audioCapture?.wait()   // ends at its frame limit (`--seconds` of audio)
} else {
    while true {
        // With --frames, stop at the limit even when more frames waited (a late wake-up under
        // load finds several): the run reads exactly that many.
        while options.frames.map({ frames < $0 }) ?? true, let f = frameRing.pop() {
            frames += 1
            if let last = lastSequence, f.sequence != last + 1 { sequenceGaps += 1 }
            lastSequence = f.sequence
            if options.printFrames {
                print("frame seq=\(f.sequence) size=\(f.width)x\(f.height) pixel0=\(f.luma[0]) pixel1=\(f.luma.count > 1 ? f.luma[1] : 0) t=\(String(format: "%.6f", f.timestamp))")
            }
        }
        let now = MonotonicClock.now()
        if let limit = options.frames { if frames >= limit { break } } else if now >= deadline { break }
        if let v = videoCapture, v.statistics.frames == 0, now > wallStart + 5 {
            break  // the camera never delivered; the summary says so
        }
        // Until the next frame, the end of the run, or the 5-s "no camera" bound (with --frames,
        // a camera that stops for 60 s also ends the run).
        let bound = frames == 0 ? min(wallStart + 5.001, options.frames == nil ? deadline : .infinity)
                                : (options.frames == nil ? deadline : now + 60)
        if !frameRing.waitForFrame(timeout: max(0.001, bound - now)), options.frames != nil, frames > 0 { break }
    }
}
samples = audioDrain?.stop(audioRing) ?? 0
let audioError = audioCapture?.stop()
let videoError = videoCapture?.stop()
let wall = MonotonicClock.now() - wallStart
let cpu = cpuSeconds() - cpuStart
if let tonePath { unlink(tonePath) }

if let e = audioError { fail("audio: \(e)") }
if let e = videoError { fail("video: \(e)") }
let vstats = videoCapture?.statistics
let format = vstats?.format.map { "\($0.width)x\($0.height) \($0.pixelFormat.rawValue) at \($0.framesPerSecond) fps" } ?? "none"
print("capture-bench: wall \(String(format: "%.2f", wall)) s; audio \(samples) samples (\(String(format: "%.2f", Double(samples) / Double(AudioRate.model))) s at \(AudioRate.model) Hz); video \(frames) frames (\(format)), \(vstats?.skippedFrames ?? 0) skipped, \(sequenceGaps) gaps, \(frameRing.totalDropped) dropped")
print("capture-bench: CPU \(String(format: "%.3f", cpu)) s = \(String(format: "%.2f", 100 * cpu / wall))% of one core")
if options.video != nil && frames == 0 { fail("no video frames captured from \(options.video ?? "")") }
