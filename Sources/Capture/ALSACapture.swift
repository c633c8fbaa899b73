import Atomics
import CaptionCore
import Foundation

/// The microphone loop: read periods from a PCM, convert to 16-kHz mono Float32, stamp each chunk
/// on CLOCK_MONOTONIC and write it to a `SampleRing`. Recovers from overruns (-EPIPE → prepare,
/// counted), suspend (-ESTRPIPE → resume, else prepare) and device loss (-ENODEV, -EIO, -EBADFD →
/// close and reopen with doubling back-off, logged). `stop()` ends the loop within a period.
public final class ALSACapture: @unchecked Sendable {
    public typealias Opener = () throws -> PCMStream

    /// Counters, readable from any thread.
    public struct Statistics: Sendable, Equatable {
        public var deviceFrames = 0
        public var deliveredSamples = 0
        public var overruns = 0
        public var suspends = 0
        public var reopens = 0
        public var chunks = 0
    }

    public let configuration: ALSAConfiguration
    public let ring: SampleRing
    private let resamplers: any SampleRateConverterFactory
    private let open: Opener
    private let log: @Sendable (String) -> Void
    private let loop = CaptureLoopThread()
    private let lock = NSLock()
    private var stats = Statistics()

    /// - Parameters:
    ///   - resamplers: makes the converter from the negotiated device rate to the output rate at
    ///     each (re)open (`Features.Resampler.Factory`; the daemon's comes through Streaming).
    ///   - open: how to (re)open the PCM; defaults to the live `ALSAPCM`.
    ///   - log: receives one line per recovery event (device loss, reopen, give-up).
    public init(configuration: ALSAConfiguration, ring: SampleRing, resamplers: any SampleRateConverterFactory,
                open: Opener? = nil, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.configuration = configuration
        self.ring = ring
        self.resamplers = resamplers
        self.open = open ?? { try ALSAPCM(configuration: configuration) }
        self.log = log
    }

    public var statistics: Statistics { lock.lock(); defer { lock.unlock() }; return stats }

    /// Runs the loop on its own thread.
    public func start() {
        loop.start(name: "captiond.alsa") { [self] in try run() }
    }

    /// Asks the loop to end and waits for it; returns the error that ended it early, if any.
    @discardableResult
    public func stop() -> Error? { loop.stop() }

    /// Waits for a started loop to end by itself (frame limit, give-up) and returns its error.
    public func wait() -> Error? { loop.wait() }

    private var stopping: Bool { loop.stopRequested }

    private func update(_ body: (inout Statistics) -> Void) {
        lock.lock(); body(&stats); lock.unlock()
    }

    /// The loop itself (blocking): returns at `stop()` or the frame limit; throws when the first
    /// open fails or reopening gives up.
    public func run() throws {
        var pcm = try open()
        defer { pcm.close() }
        var session = try Session(pcm, configuration, resamplers)
        var totalFrames = 0
        while !stopping {
            var want = session.params.periodFrames
            if let limit = configuration.frameLimit {
                want = min(want, limit - totalFrames)
                if want <= 0 { break }
            }
            if configuration.paceRealTime { session.sleepUntilPeriodCaptured(want, loop: loop) }
            session.zeroBuffer()
            let n = session.buffer.withUnsafeMutableBytes { raw in
                raw.baseAddress.map { pcm.read(into: $0, frames: want) } ?? -Int(EINVAL)
            }
            if n > 0 {
                totalFrames += n
                let samples = session.deliver(frames: n)
                if !samples.isEmpty {
                    ring.write(samples, time: session.chunkTime(samples.count))
                }
                update { $0.deviceFrames += n; $0.deliveredSamples += samples.count; $0.chunks += 1 }
                continue
            }
            switch Int32(-n) {
            case EINTR:
                continue   // a signal interrupted the blocking read: read again
            case 0, EAGAIN:
                // The PCM is opened blocking, so a read returns data or an error; should a plugin
                // return nothing, wait one period rather than spin.
                loop.sleep(Double(session.params.periodFrames) / Double(session.params.rate))
            case EPIPE:
                update { $0.overruns += 1 }
                let rc = pcm.prepare()
                session.reanchor()
                if rc < 0 { try reopen(&pcm, &session, reason: "prepare after overrun failed (\(rc))") }
            case ESTRPIPE:
                update { $0.suspends += 1 }
                var rc = pcm.resume()
                // alsa-lib gives no event for the end of a suspend: retry resume() every 10 ms
                // (as alsa-lib's own examples do) until it stops answering -EAGAIN, or stop().
                while rc == -EAGAIN, !stopping { loop.sleep(0.01); rc = pcm.resume() }
                if rc < 0 { rc = pcm.prepare() }
                session.reanchor()
                if rc < 0 { try reopen(&pcm, &session, reason: "resume after suspend failed (\(rc))") }
            default:
                try reopen(&pcm, &session, reason: String(cString: strerror(Int32(-n))))
            }
        }
        let tail = session.converter.flush()
        if !tail.isEmpty {
            ring.write(tail, time: session.chunkTime(tail.count))
            update { $0.deliveredSamples += tail.count }
        }
    }

    /// Device loss: close, then reopen with back-off until it works, `stop()`, or the attempt limit.
    private func reopen(_ pcm: inout PCMStream, _ session: inout Session, reason: String) throws {
        log("capture: audio device '\(pcm.name)' lost (\(reason)); closing and reopening")
        pcm.close()
        var delay = configuration.initialBackoff
        var attempt = 0
        var lastError = reason
        while !stopping {
            attempt += 1
            if let max = configuration.maxReopenAttempts, attempt > max {
                log("capture: giving up on '\(configuration.device)' after \(max) attempts")
                throw CaptureError.gaveUp(device: configuration.device, attempts: max, lastError: lastError)
            }
            loop.sleep(delay)
            if stopping { break }
            do {
                let fresh = try open()
                session = try Session(fresh, configuration, resamplers)
                pcm = fresh
                update { $0.reopens += 1 }
                log("capture: audio device '\(configuration.device)' reopened after \(attempt) attempt(s)")
                return
            } catch {
                lastError = "\(error)"
                log("capture: reopen attempt \(attempt) failed: \(error); next in \(min(delay * 2, configuration.maxBackoff)) s")
                delay = min(delay * 2, configuration.maxBackoff)
            }
        }
    }
}

/// The per-open state: negotiated parameters, read buffer, converter and the time anchor.
struct Session {
    let params: PCMParameters
    var buffer: [UInt8]
    var converter: SampleConverter
    let outputRate: Int
    /// CLOCK_MONOTONIC time of the first output sample since the last (re)anchor.
    var anchorTime: Double?
    var outputSinceAnchor = 0
    var deviceFramesSinceAnchor = 0

    init(_ pcm: PCMStream, _ c: ALSAConfiguration, _ resamplers: any SampleRateConverterFactory) throws {
        params = pcm.parameters
        buffer = [UInt8](repeating: 0, count: params.periodFrames * params.bytesPerFrame)
        converter = try SampleConverter(input: params, outputRate: c.outputRate, resamplers: resamplers)
        outputRate = c.outputRate
        if c.paceRealTime { anchorTime = MonotonicClock.now() }
    }

    mutating func zeroBuffer() {
        buffer.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) }
    }

    mutating func deliver(frames: Int) -> [Float] {
        if anchorTime == nil {
            // Unpaced: the frames just read were captured over the last frames/rate seconds.
            anchorTime = MonotonicClock.now() - Double(frames) / Double(params.rate)
        }
        deviceFramesSinceAnchor += frames
        return buffer.withUnsafeBytes { raw in raw.baseAddress.map { converter.convert($0, frames: frames) } ?? [] }
    }

    /// Time of the first of the next `count` output samples; advances the output count.
    mutating func chunkTime(_ count: Int) -> Double {
        let t = (anchorTime ?? MonotonicClock.now()) + Double(outputSinceAnchor) / Double(outputRate)
        outputSinceAnchor += count
        return t
    }

    /// After an overrun or suspend the stream has a gap: the next read starts a new anchor.
    mutating func reanchor() {
        anchorTime = nil
        outputSinceAnchor = 0
        deviceFramesSinceAnchor = 0
    }

    mutating func sleepUntilPeriodCaptured(_ frames: Int, loop: CaptureLoopThread) {
        let anchor = anchorTime ?? MonotonicClock.now()
        anchorTime = anchor
        let due = anchor + Double(deviceFramesSinceAnchor + frames) / Double(params.rate)
        loop.sleep(due - MonotonicClock.now())
    }
}
