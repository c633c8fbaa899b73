import Foundation
import CaptionCore
import Capture

/// `video.source = "file"`: a Y4M file (or FIFO, "-" for standard input) at its own frame rate.
final class FileVideoInput: VideoInput {
    let config: DaemonConfig.Video
    private var source: VideoFileSource?
    private let lock = NSLock()
    private var captured = 0
    private var dropped = 0

    init(config: DaemonConfig.Video) { self.config = config }

    func start() throws {
        guard !config.file.isEmpty else {
            throw DaemonError.stage(name: "video (file)", reason: "video.file is empty: set it to a Y4M file")
        }
        do { source = try VideoFileSource(path: config.file, pacing: .realTime) } catch {
            throw DaemonError.stage(name: "video (file \(config.file))", reason: "\(error)")
        }
    }

    func read(timeout: Double) throws -> StageRead<VideoFrame> {
        guard let source else { return .end }
        guard let frame = try source.next() else { return .end }
        lock.lock()
        // Frames the reader skipped (sequence gaps) count as dropped.
        dropped += max(0, Int(frame.sequence) - captured - dropped)
        captured += 1
        lock.unlock()
        return .item(frame)
    }

    func stop() { source = nil }

    var counters: CaptureCounters {
        lock.lock(); defer { lock.unlock() }
        return CaptureCounters(captured: captured, dropped: dropped)
    }
}
