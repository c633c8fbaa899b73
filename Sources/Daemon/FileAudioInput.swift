import Foundation
import CaptionCore
import Capture
import Streaming

/// `audio.source = "file"`: a regular audio file, or a WAV FIFO or "-" for standard input, read by
/// the one audio-file reader (WAV, FLAC, and every other format through ffmpeg: `RecordedAudio`,
/// which is `Features.AudioDecoder`), or headerless 16-kHz mono S16_LE PCM from a file, FIFO or
/// standard input (streamed by Capture's file source), delivered in 20-ms chunks at real-time pace
/// or as fast as the pipeline reads.
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
    /// With `audio.loop`: the samples delivered by earlier passes, so sample numbers keep rising.
    private var passOffset: UInt64 = 0
    private var passSamples: UInt64 = 0
    /// Capture-time shift of the current pass. Pace "fast": each pass follows the last one's end
    /// exactly (its pacer restarts at the wall clock, ahead of or behind the media time already
    /// delivered, as the machine is slow or fast), so the captioner hears the file's own timeline
    /// repeated, whatever the machine's speed. Pace "realtime": moved after the last pass only when
    /// it would start before it (it starts when the last one ended, give or take a read).
    private var passTimeOffset = 0.0
    private var lastEndTime = -Double.infinity
    private(set) var passes = 0

    init(config: DaemonConfig.Audio, log: ServiceLog? = nil) { self.config = config; self.log = log }

    func start() throws {
        guard !config.file.isEmpty else {
            throw DaemonError.stage(name: "audio (file)", reason: "audio.file is empty: set it to an audio file (WAV, FLAC, MP3, …) or raw 16-kHz S16_LE PCM")
        }
        if let problem = ConfigLoader.inputFileProblem(config.file, what: "an audio file (WAV, FLAC, MP3, …) or raw 16-kHz S16_LE PCM") {
            throw DaemonError.config(file: "configuration", key: "audio.file", reason: problem)
        }
        if config.loop, let problem = Self.loopProblem(config.file) {
            throw DaemonError.config(file: "configuration", key: "audio.loop", reason: problem)
        }
        source = try open()
    }

    private func open() throws -> AudioFileSource {
        let pacing: Pacer.Mode = config.pace == .realtime ? .realTime : .asFastAsPossible
        let format = AudioFileSource.Format.detect(path: config.file)
        let raw: Bool
        if case .raw = format { raw = true } else { raw = false }
        do {
            if !raw, format == .wav || Self.isRegularFile(config.file) {
                // WAV, FLAC and everything ffmpeg reads: the reader `captionctl transcribe` uses
                // (a WAV pipe is read to its end first: its header may give the length only there).
                let audio = try RecordedAudio.decode(path: config.file == "-" ? "/dev/stdin" : config.file)
                for warning in audio.warnings { log?.warning("audio file \(config.file): \(warning)") }
                return try AudioFileSource(samples: audio.samples, pacing: pacing)
            }
            if format == .encoded {
                throw DaemonError.config(file: "configuration", key: "audio.file",
                    reason: "\(config.file) is not a regular file: compressed audio (FLAC, MP3, …) is read only from a regular file; "
                        + "stream WAV or raw 16-kHz S16_LE instead (e.g. ffmpeg -i IN -f s16le -ar 16000 -ac 1 -)")
            }
            return try AudioFileSource(path: config.file, format: format, resamplers: CaptureConversions.resamplers, pacing: pacing)
        } catch let error as DaemonError {
            throw error
        } catch {
            throw DaemonError.stage(name: "audio (file \(config.file))", reason: "\(error)")
        }
    }

    static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return path != "-" && stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    /// Looping reads the file again from its start: only a regular, non-empty file can.
    static func loopProblem(_ path: String) -> String? {
        var st = stat()
        guard path != "-", stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            return "\(path) is not a regular file, so it cannot be read again; set audio.loop = false or use a file"
        }
        guard st.st_size > 0 else { return "\(path) is empty; nothing to loop" }
        return nil
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
        guard var chunk else {
            // Looping: the next pass opens the file again (its pacer starts now, so capture times
            // keep rising); a pass that delivered nothing ends instead of spinning.
            guard config.loop, !failed, passSamples > 0 else { return .end }
            passOffset += passSamples; passSamples = 0; passes += 1; passTimeOffset = .nan
            do { self.source = try open() } catch {
                log?.warning("audio file \(config.file): cannot start pass \(passes + 1): \(error); the input ends")
                return .end
            }
            return .timeout
        }
        if passTimeOffset.isNaN {
            let shift = lastEndTime - chunk.startTime
            passTimeOffset = config.pace == .fast ? shift : max(0, shift)
        }
        passSamples += UInt64(chunk.samples.count)
        chunk.firstSampleIndex += passOffset
        chunk.startTime += passTimeOffset
        lastEndTime = chunk.endTime
        lock.lock(); captured += chunk.samples.count; lock.unlock()
        return .item(chunk)
    }

    func stop() { source = nil }

    var counters: CaptureCounters { lock.lock(); defer { lock.unlock() }; return CaptureCounters(captured: captured) }
}
