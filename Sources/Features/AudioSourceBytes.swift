import Foundation

/// The bytes of one audio input, read without losing any: a regular file is kept open and read
/// with pread (sniffing its head consumes nothing); a FIFO, a pipe (`<(cat x.flac)`), `/dev/stdin`
/// or a character device is read once, to its end, into memory. ffmpeg gets a seekable descriptor
/// of either (the file itself, or an unlinked temporary copy of the stream) as its standard input.
final class AudioSourceBytes {
    let name: String
    /// The path as ffmpeg should open it (`file:` + the name, so `talk:1.m4a` is no protocol and the
    /// extension still hints the format), or nil for a stream or a name that is not UTF-8.
    let ffmpegURL: String?
    private let fd: Int32            // regular files; -1 for streams
    private var memory: [UInt8]?     // streams, read once
    private var spill: Int32 = -1    // temporary file holding `memory` for ffmpeg

    private init(name: String, fd: Int32, memory: [UInt8]?, ffmpegURL: String?) {
        self.name = name; self.fd = fd; self.memory = memory; self.ffmpegURL = ffmpegURL
    }

    deinit {
        if fd >= 0 { close(fd) }
        if spill >= 0 { close(spill) }
    }

    static func open(_ input: AudioInput) throws -> AudioSourceBytes {
        let fd = input.cPath.withUnsafeBufferPointer { Foundation.open($0.baseAddress!, O_RDONLY | O_CLOEXEC) }
        if fd < 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw FeaturesError.fileNotFound(path: input.name) }
            throw FeaturesError.systemCall(function: "open", errno: code, context: "opening \(input.name)")
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw FeaturesError.systemCall(function: "fstat", errno: code, context: "examining \(input.name)")
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            close(fd)
            throw FeaturesError.isDirectory(path: input.name)
        case S_IFREG:
            let exact = Array(input.name.utf8CString) == input.cPath
            return AudioSourceBytes(name: input.name, fd: fd, memory: nil, ffmpegURL: exact ? "file:" + input.name : nil)
        default:
            defer { close(fd) }
            return AudioSourceBytes(name: input.name, fd: -1, memory: try readToEnd(fd, name: input.name), ffmpegURL: nil)
        }
    }

    /// The first `count` bytes (fewer when the input is shorter).
    func head(count: Int) throws -> [UInt8] { try bytes(at: 0, count: count) }

    /// Up to `count` bytes from `offset`.
    func bytes(at offset: Int, count: Int) throws -> [UInt8] {
        if let memory {
            guard offset < memory.count else { return [] }
            return Array(memory[offset..<min(memory.count, offset + count)])
        }
        var out = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + filled, count - filled, off_t(offset + filled)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FeaturesError.systemCall(function: "pread", errno: errno, context: "reading \(name)")
            }
            if n == 0 { break }
            filled += n
        }
        return Array(out[0..<filled])
    }

    /// Every byte.
    func all() throws -> [UInt8] {
        if let memory { return memory }
        var info = stat()
        let size = fstat(fd, &info) == 0 ? Int(info.st_size) : 0
        var out = try bytes(at: 0, count: size)
        // A file that grew since: take the rest too.
        while true {
            let more = try bytes(at: out.count, count: 1 << 20)
            if more.isEmpty { break }
            out += more
        }
        return out
    }

    /// A descriptor positioned at byte 0 whose reads give these bytes and that can seek (ffmpeg
    /// needs to for MP4 and others): the regular file itself, or a temporary copy of a stream.
    func seekableDescriptor() throws -> Int32 {
        if fd >= 0 {
            lseek(fd, 0, SEEK_SET)
            return fd
        }
        if spill < 0 {
            guard let file = tmpfile() else {
                throw FeaturesError.systemCall(function: "tmpfile", errno: errno, context: "buffering \(name) for ffmpeg")
            }
            let copy = fcntl(fileno(file), F_DUPFD_CLOEXEC, 0)
            fclose(file)
            guard copy >= 0 else { throw FeaturesError.systemCall(function: "dup", errno: errno, context: "buffering \(name) for ffmpeg") }
            spill = copy
            let bytes = memory ?? []
            var written = 0
            while written < bytes.count {
                let n = bytes.withUnsafeBytes { write(spill, $0.baseAddress! + written, bytes.count - written) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw FeaturesError.systemCall(function: "write", errno: errno, context: "buffering \(name) for ffmpeg")
                }
                written += n
            }
        }
        lseek(spill, 0, SEEK_SET)
        return spill
    }

    /// Reads a stream to its end.
    private static func readToEnd(_ fd: Int32, name: String) throws -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FeaturesError.systemCall(function: "read", errno: errno, context: "reading \(name)")
            }
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<n])
        }
    }
}
