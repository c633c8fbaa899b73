import Atomics
import CaptionCore
import Foundation

/// The camera loop: open a `V4L2Camera`, hand every converted luma frame to a handler on the
/// capture thread (`init(…, frames:)`: the daemon's frame router) or push it into a `FrameRing`,
/// and on device loss close and reopen with doubling back-off (logged). `stop()` ends it within
/// one poll.
public final class V4L2Capture: @unchecked Sendable {
    public struct Statistics: Sendable, Equatable {
        public var frames: UInt64 = 0
        public var skippedFrames: UInt64 = 0
        public var malformedBuffers: UInt64 = 0
        public var timeouts: UInt64 = 0
        public var reopens: Int = 0
        public var format: V4L2Camera.Format?
    }

    /// Called on the capture thread with each frame's luma (valid only during the call; copy what
    /// is kept), size, capture time (CLOCK_MONOTONIC) and the driver's sequence number. It runs
    /// while the driver's buffer is dequeued: it must not block.
    public typealias FrameHandler = @Sendable (_ luma: UnsafeBufferPointer<UInt8>, _ width: Int, _ height: Int,
                                               _ time: Double, _ sequence: UInt64) -> Void

    public let configuration: V4L2Configuration
    private let handle: FrameHandler
    private let device: V4L2Device
    private let lumaConverter: any LumaConverter
    private let log: @Sendable (String) -> Void
    private let loop = CaptureLoopThread()
    private let lock = NSLock()
    private var stats = Statistics()

    /// Every frame goes to `frames`, on the capture thread. `lumaConverter` turns the driver's
    /// pixels into luma (`Features.LumaConversion`; the daemon's comes through Streaming).
    public init(configuration: V4L2Configuration, device: V4L2Device = .live, lumaConverter: any LumaConverter,
                log: @escaping @Sendable (String) -> Void = { _ in }, frames: @escaping FrameHandler) {
        self.configuration = configuration
        self.handle = frames
        self.device = device
        self.lumaConverter = lumaConverter
        self.log = log
    }

    /// Every frame is pushed into `ring` (its consumer pops them on its own thread).
    public convenience init(configuration: V4L2Configuration, ring: FrameRing, device: V4L2Device = .live,
                            lumaConverter: any LumaConverter, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.init(configuration: configuration, device: device, lumaConverter: lumaConverter, log: log) { luma, width, height, time, sequence in
            ring.push(luma: luma, width: width, height: height, timestamp: time, sequence: sequence)
        }
    }

    public var statistics: Statistics { lock.lock(); defer { lock.unlock() }; return stats }

    private var stopping: Bool { loop.stopRequested }

    private func update(_ body: (inout Statistics) -> Void) { lock.lock(); body(&stats); lock.unlock() }

    public func start() {
        loop.start(name: "captiond.v4l2") { [self] in try run() }
    }

    @discardableResult
    public func stop() -> Error? { loop.stop() }

    /// Runs the loop (blocking) until `stop()`, `frameLimit` frames, or giving up on the device.
    /// The first open must succeed; later losses are retried.
    public func run(frameLimit: UInt64? = nil) throws {
        var camera: V4L2Camera? = try V4L2Camera(device: device, configuration: configuration, lumaConverter: lumaConverter)
        update { $0.format = camera?.format }
        defer { camera?.close() }
        var baseSkipped: UInt64 = 0
        while !stopping {
            if let limit = frameLimit, statistics.frames >= limit { break }
            guard let cam = camera else {
                camera = try reopen()
                baseSkipped = statistics.skippedFrames
                update { $0.format = camera?.format }
                continue
            }
            do {
                let outcome = try cam.nextFrame(handle)
                switch outcome {
                case .frame:
                    let skipped = baseSkipped + cam.skippedFrames
                    update { $0.frames += 1; $0.skippedFrames = skipped }
                case .timeout:
                    update { $0.timeouts += 1 }
                case .malformed(let why):
                    update { $0.malformedBuffers += 1 }
                    log("capture: \(configuration.path): skipped a malformed buffer: \(why)")
                }
            } catch {
                log("capture: camera \(configuration.path) lost (\(error)); closing and reopening")
                cam.close()
                camera = nil
            }
        }
    }

    private func reopen() throws -> V4L2Camera? {
        var delay = configuration.initialBackoff
        var attempt = 0
        var lastError = "device lost"
        while !stopping {
            attempt += 1
            if let max = configuration.maxReopenAttempts, attempt > max {
                log("capture: giving up on \(configuration.path) after \(max) attempts")
                throw CaptureError.gaveUp(device: configuration.path, attempts: max, lastError: lastError)
            }
            loop.sleep(delay)
            if stopping { return nil }
            do {
                let cam = try V4L2Camera(device: device, configuration: configuration, lumaConverter: lumaConverter)
                update { $0.reopens += 1 }
                log("capture: camera \(configuration.path) reopened after \(attempt) attempt(s)")
                return cam
            } catch {
                lastError = "\(error)"
                delay = min(delay * 2, configuration.maxBackoff)
                log("capture: reopen attempt \(attempt) of \(configuration.path) failed: \(error); next in \(delay) s")
            }
        }
        return nil
    }
}
