import CaptionCore
import Foundation

/// Runs `ffmpeg -nostdin -v error -i file:FILE -vn -ac 1 -ar 16000 -f f32le -` and collects its
/// stdout as it comes, while a second thread drains stderr (so a chatty ffmpeg never blocks on a
/// full pipe). `file:` keeps a name like `talk:1.m4a` from being taken for a protocol; a stream
/// already read (a FIFO, `<(cat x)`) or a name that is not UTF-8 goes in as a seekable standard
/// input (`-i file:/dev/stdin`), so nothing is read twice.
/// The executable is `$CAPTIOND_FFMPEG` when set, else `ffmpeg` from `$PATH`.
struct FFmpegAudioReader {
    let path: String
    private let source: AudioSourceBytes?
    var environment: [String: String] = ProcessInfo.processInfo.environment

    init(path: String) { self.path = path; source = nil }
    init(_ source: AudioSourceBytes) { path = source.name; self.source = source }

    /// ffmpeg's name for an input given as standard input.
    static let stdinURL = "file:/dev/stdin"

    /// The ffmpeg to run: an absolute/relative path as given, or a name looked up in PATH.
    /// Returns nil when nothing executable is there; `requested` says what was looked for.
    func locateExecutable() -> (url: URL?, requested: String) {
        let requested = environment["CAPTIOND_FFMPEG"].flatMap { $0.isEmpty ? nil : $0 } ?? "ffmpeg"
        let fm = FileManager.default
        if requested.contains("/") {
            return (fm.isExecutableFile(atPath: requested) ? URL(fileURLWithPath: requested) : nil, requested)
        }
        let searchPath = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in searchPath.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(requested)"
            if fm.isExecutableFile(atPath: candidate) { return (URL(fileURLWithPath: candidate), requested) }
        }
        return (nil, "\(requested) not in PATH")
    }

    /// The decoded samples: 16 kHz mono Float32 (ffmpeg's down-mix and resampler).
    func read() throws -> [Float] {
        var all: [Float] = []
        try read(chunkSamples: Int.max / 8) { all += $0 }
        return all
    }

    /// The decoded samples handed to `body` as they arrive, about `chunkSamples` at a time (the
    /// last chunk shorter), so the whole output never has to be held.
    func read(chunkSamples: Int, into body: ([Float]) throws -> Void) throws {
        let (found, requested) = locateExecutable()
        guard let executable = found else { throw FeaturesError.ffmpegMissing(path: path, executable: requested) }

        let input = try source ?? AudioSourceBytes.open(AudioInput(path: path))
        // Its descriptor becomes ffmpeg's standard input; `input`'s deinit closes it, so keep
        // `input` alive until ffmpeg is done, not only to its last mention.
        defer { withExtendedLifetime(input) {} }
        let process = Process()
        process.executableURL = executable
        let url = input.ffmpegURL ?? Self.stdinURL
        process.arguments = ["-nostdin", "-v", "error", "-i", url, "-vn", "-ac", "1", "-ar", "\(AudioRate.model)", "-f", "f32le", "-"]
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = input.ffmpegURL == nil
            ? FileHandle(fileDescriptor: try input.seekableDescriptor(), closeOnDealloc: false) : FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw FeaturesError.ffmpegMissing(path: path, executable: "\(executable.path) could not be started: \(error.localizedDescription)")
        }

        // stderr on its own thread; stdout here, chunk by chunk, until EOF.
        let errorText = StderrCollector()
        let errorDone = DispatchSemaphore(value: 0)
        let errHandle = stderr.fileHandleForReading
        DispatchQueue.global().async {
            errorText.set(errHandle.readDataToEndOfFile())
            errorDone.signal()
        }
        var bytes = Data()
        let outHandle = stdout.fileHandleForReading
        let chunkBytes = max(4, min(chunkSamples, Int.max / 8) * 4)
        var bodyError: Error? = nil
        while true {
            let chunk = outHandle.availableData
            if chunk.isEmpty { break }
            if bodyError != nil { continue }              // drain so ffmpeg can finish
            bytes.append(chunk)
            if bytes.count >= chunkBytes {
                let whole = bytes.count - bytes.count % 4
                do { try body(Self.floats(fromLittleEndian: bytes.prefix(whole))) } catch { bodyError = error }
                bytes.removeFirst(whole)
            }
        }
        errorDone.wait()
        process.waitUntilExit()
        if let bodyError { throw bodyError }

        let status = process.terminationStatus
        var message = errorText.firstLine()
        for prefix in [url + ": ", "/dev/stdin: ", path + ": "] where message.hasPrefix(prefix) {
            message.removeFirst(prefix.count)   // the error names the file already
        }
        if process.terminationReason == .uncaughtSignal {
            throw FeaturesError.ffmpegFailed(path: path, status: status, message: "killed by signal \(status)")
        }
        if status != 0 {
            if message.contains("does not contain any stream") || message.contains("matches no streams") {
                throw FeaturesError.noAudioStream(path: path)
            }
            throw FeaturesError.ffmpegFailed(path: path, status: status, message: message.isEmpty ? "no message" : message)
        }
        if bytes.count >= 4 { try body(Self.floats(fromLittleEndian: bytes)) }
    }

    /// Little-endian f32 bytes → samples (a trailing partial sample is dropped).
    static func floats(fromLittleEndian bytes: Data) -> [Float] {
        let bytes = Data(bytes)     // a slice's indices start past 0: rebase
        let count = bytes.count / 4
        var out = [Float](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            for i in 0..<count {
                out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
        }
        return out
    }
}

/// The bytes ffmpeg wrote to stderr, handed from the reader thread under a lock.
final class StderrCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    func set(_ bytes: Data) { lock.lock(); data = bytes; lock.unlock() }

    /// The first non-empty line, trimmed.
    func firstLine() -> String {
        lock.lock(); defer { lock.unlock() }
        let text = String(decoding: data, as: UTF8.self)
        return text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .first { !$0.isEmpty } ?? ""
    }
}
