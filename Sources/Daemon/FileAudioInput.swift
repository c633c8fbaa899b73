import Foundation
import CaptionCore
import Capture

/// `audio.source = "file"`: a WAV file (or headerless 16-kHz mono S16_LE PCM, a FIFO, or "-" for
/// standard input), delivered in 20-ms chunks at real-time pace or as fast as the pipeline reads.
final class FileAudioInput: AudioInput {
    let config: DaemonConfig.Audio
    private var source: AudioFileSource?
    private let lock = NSLock()
    private var captured = 0

    init(config: DaemonConfig.Audio) { self.config = config }

    /// WAV when the name ends in .wav or the file starts with "RIFF"; otherwise raw S16_LE 16 kHz mono.
    static func format(of path: String) -> AudioFileSource.Format {
        if path.lowercased().hasSuffix(".wav") { return .wav }
        if path != "-", let handle = FileHandle(forReadingAtPath: path) {
            defer { try? handle.close() }
            let magic = (try? handle.read(upToCount: 4)) ?? Data()
            var isFIFO = false
            var st = stat()
            if stat(path, &st) == 0 { isFIFO = (st.st_mode & S_IFMT) == S_IFIFO }
            if !isFIFO, magic == Data("RIFF".utf8) { return .wav }
        }
        return .raw(.s16LE, rate: 16_000, channels: 1)
    }

    func start() throws {
        guard !config.file.isEmpty else {
            throw DaemonError.stage(name: "audio (file)", reason: "audio.file is empty: set it to a WAV or raw 16-kHz S16_LE file")
        }
        do {
            source = try AudioFileSource(path: config.file, format: Self.format(of: config.file),
                                         pacing: config.pace == .realtime ? .realTime : .asFastAsPossible)
        } catch {
            throw DaemonError.stage(name: "audio (file \(config.file))", reason: "\(error)")
        }
    }

    func read(timeout: Double) throws -> StageRead<AudioChunk> {
        guard let source else { return .end }
        guard let chunk = try source.next() else { return .end }
        lock.lock(); captured += chunk.samples.count; lock.unlock()
        return .item(chunk)
    }

    func stop() { source = nil }

    var counters: CaptureCounters { lock.lock(); defer { lock.unlock() }; return CaptureCounters(captured: captured) }
}
