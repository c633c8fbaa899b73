import Glibc

/// The fuzz input as a file the path-based readers can open (ByteStream opens `path`): a file in
/// /dev/shm (memory), unlinked at once and named by /proc/self/fd/N until `close()`. No leftovers.
/// (Glibc's Swift module does not export memfd_create.)
public struct MemoryFile {
    public let fd: Int32
    public var path: String { "/proc/self/fd/\(fd)" }

    public init?(_ bytes: UnsafeRawBufferPointer) {
        var template = Array("/dev/shm/captiond-fuzz-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { return nil }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        var done = 0
        while done < bytes.count {
            let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n <= 0 { Glibc.close(fd); return nil }
            done += n
        }
        self.fd = fd
    }

    public func close() { Glibc.close(fd) }

    /// One file for the whole run, refilled per input (truncate + write): the path-based readers
    /// open `/proc/self/fd/N` afresh each time, so each input reads from offset 0 and sees exactly
    /// its own bytes, without a create + unlink + close per input.
    nonisolated(unsafe) public static let shared: MemoryFile? = MemoryFile(UnsafeRawBufferPointer(start: nil, count: 0))

    /// Replaces the content with `bytes`; false when the file cannot be written.
    public func refill(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard ftruncate(fd, 0) == 0 else { return false }
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(done))
            if n <= 0 { return false }
            done += n
        }
        return true
    }
}

/// Reads little pieces off the front of the fuzz input (format choices before the payload).
public struct InputCursor {
    public let bytes: UnsafeRawBufferPointer
    public var offset = 0
    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }
    public mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }
    public var rest: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[min(offset, bytes.count)...]) }
}
