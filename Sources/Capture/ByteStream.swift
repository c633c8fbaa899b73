import Glibc

/// Buffered reading from a file, a FIFO or standard input ("-"), for the file and pipe sources.
public final class ByteStream {
    public let name: String
    private let fd: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    /// Bytes handed out so far (for error messages).
    public private(set) var offset = 0

    /// Opens `path` for reading; "-" means standard input.
    public init(path: String, bufferSize: Int = 1 << 16) throws {
        name = path == "-" ? "<stdin>" : path
        if path == "-" {
            fd = STDIN_FILENO
            ownsDescriptor = false
        } else {
            let opened = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            if opened < 0 { throw CaptureError.system(call: "open", path: path, errno: errno) }
            fd = opened
            ownsDescriptor = true
        }
        buffer = [UInt8](repeating: 0, count: max(4096, bufferSize))
    }

    deinit { if ownsDescriptor { Glibc.close(fd) } }

    /// Refills the buffer; false at end of stream.
    private func fill() throws -> Bool {
        if start > 0 {
            if end > start { buffer.withUnsafeMutableBufferPointer { b in
                _ = memmove(b.baseAddress!, b.baseAddress! + start, end - start)
            } }
            end -= start
            start = 0
        }
        if end == buffer.count { buffer.append(contentsOf: [UInt8](repeating: 0, count: buffer.count)) }
        while true {
            let n = buffer.withUnsafeMutableBytes { raw in Glibc.read(fd, raw.baseAddress! + end, raw.count - end) }
            if n < 0 {
                if errno == EINTR { continue }
                throw CaptureError.system(call: "read", path: name, errno: errno)
            }
            end += n
            return n > 0
        }
    }

    /// Up to `count` bytes; fewer only at end of stream.
    public func read(upTo count: Int) throws -> [UInt8] {
        while end - start < count, try fill() {}
        let n = min(count, end - start)
        let out = Array(buffer[start..<(start + n)])
        start += n
        offset += n
        return out
    }

    /// Reads exactly `destination.count` bytes into it; returns how many arrived before end of stream.
    public func read(into destination: UnsafeMutableRawBufferPointer) throws -> Int {
        var done = 0
        while done < destination.count {
            if end == start, !(try fill()) { break }
            let n = min(destination.count - done, end - start)
            buffer.withUnsafeBytes { src in
                (destination.baseAddress! + done).copyMemory(from: src.baseAddress! + start, byteCount: n)
            }
            start += n; done += n; offset += n
        }
        return done
    }

    /// One line without its "\n", at most `limit` bytes; nil at end of stream before any byte.
    /// Throws when no newline comes within `limit` bytes.
    public func readLine(limit: Int) throws -> [UInt8]? {
        var scanned = 0
        while true {
            if let nl = buffer[(start + scanned)..<end].firstIndex(of: 0x0A) {
                let line = Array(buffer[start..<nl])
                offset += nl + 1 - start
                start = nl + 1
                return line
            }
            scanned = end - start
            if scanned > limit {
                throw CaptureError.invalidInput(source: name, reason: "no line end within \(limit) bytes at byte \(offset)")
            }
            if !(try fill()) {
                if end == start { return nil }
                let line = Array(buffer[start..<end])
                offset += end - start
                start = end
                return line
            }
        }
    }

    /// Everything left.
    public func readAll() throws -> [UInt8] {
        while try fill() {}
        let out = Array(buffer[start..<end])
        offset += end - start
        start = end
        return out
    }
}
