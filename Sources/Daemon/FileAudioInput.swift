import Foundation
import CaptionCore
import Capture

/// `audio.source = "file"`: a WAV file (or headerless 16-kHz mono S16_LE PCM, a FIFO, or "-" for
/// standard input), delivered in 20-ms chunks at real-time pace or as fast as the pipeline reads.
/// A file that turns out malformed at its end (raw PCM ending in a partial frame) delivers what
/// it holds, logs the problem and ends: the daemon goes idle instead of failing (and being
/// restarted into the same file forever).
final class FileAudioInput: AudioInput {
    let config: DaemonConfig.Audio
    private let log: ServiceLog?
    private var source: AudioFileSource?
    private let lock = NSLock()
    private var captured = 0
    private var failed = false

    init(config: DaemonConfig.Audio, log: ServiceLog? = nil) { self.config = config; self.log = log }

    func start() throws {
        guard !config.file.isEmpty else {
            throw DaemonError.stage(name: "audio (file)", reason: "audio.file is empty: set it to a WAV or raw 16-kHz S16_LE file")
        }
        if let problem = ConfigLoader.inputFileProblem(config.file, what: "a WAV or raw 16-kHz S16_LE file") {
            throw DaemonError.config(file: "configuration", key: "audio.file", reason: problem)
        }
        do {
            source = try AudioFileSource(path: config.file, format: .detect(path: config.file),
                                         pacing: config.pace == .realtime ? .realTime : .asFastAsPossible)
        } catch {
            throw DaemonError.stage(name: "audio (file \(config.file))", reason: "\(error)")
        }
    }

    func read(timeout: Double) throws -> StageRead<AudioChunk> {
        guard let source else { return .end }
        let chunk: AudioChunk?
        do { chunk = try source.next() } catch {
            // The samples decoded before the problem are still delivered; a second failure ends.
            guard !failed else { return .end }
            failed = true
            log?.warning("audio file \(config.file): \(error); the audio before it is used, then the input ends")
            return .timeout
        }
        guard let chunk else { return .end }
        lock.lock(); captured += chunk.samples.count; lock.unlock()
        return .item(chunk)
    }

    func stop() { source = nil }

    var counters: CaptureCounters { lock.lock(); defer { lock.unlock() }; return CaptureCounters(captured: captured) }
}
