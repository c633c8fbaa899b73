#if canImport(Glibc)
import Glibc
#endif

/// A read-only memory map of a whole file. Unmapped by `close()` or deinit, so a reader can drop
/// the file bytes as soon as the tensors are converted.
public final class MappedFile {
    public let path: String
    public let count: Int
    public private(set) var bytes: UnsafeRawPointer?

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw TensorError.systemCall(function: "open", errno: errno, path: path) }
        defer { _ = Glibc.close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw TensorError.systemCall(function: "fstat", errno: errno, path: path) }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw TensorError.wrongFormat(path: path, reason: "not a regular file")
        }
        count = Int(st.st_size)
        if count == 0 { bytes = nil; return }
        let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else { throw TensorError.systemCall(function: "mmap", errno: errno, path: path) }
        bytes = UnsafeRawPointer(p)
    }

    /// Drops the resident pages wholly below byte `end` (MADV_DONTNEED): a reader converting the
    /// file front to back calls it as it goes, so the file's pages and the converted tensors are
    /// not resident together. The mapping is private and read-only, so a later read of a dropped
    /// page reads the file again: only memory use changes, never the bytes.
    public func dropPages(below end: Int) {
        guard let b = bytes else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let upTo = min(end, count) / page * page
        guard upTo > dropped else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: b) + dropped, upTo - dropped, MADV_DONTNEED)
        dropped = upTo
    }
    private var dropped = 0

    /// Drops the resident pages lying wholly inside `range` (a variable converted out of order).
    public func dropPages(in range: Range<Int>) {
        guard let b = bytes else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = (max(0, range.lowerBound) + page - 1) / page * page
        let end = min(range.upperBound, count) / page * page
        guard end > first else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: b) + first, end - first, MADV_DONTNEED)
    }

    /// Unmaps the file; `bytes` is nil afterwards. Not public: tables (`HalfBits`, `DeferredTensor`)
    /// keep this object alive to keep its pages mapped, and an unmap while they live would leave
    /// them dangling; only a reader that copies every tensor out (`SafetensorsReader`) calls it.
    func close() {
        if let b = bytes { munmap(UnsafeMutableRawPointer(mutating: b), count) }
        bytes = nil
    }

    deinit { close() }
}

/// Bounds-checked little-endian reading from a byte range, reporting truncation with the offset
/// and what was being read.
struct ByteReader {
    let base: UnsafeRawPointer?
    let count: Int
    let path: String
    var offset = 0

    mutating func need(_ n: Int, _ what: @autoclosure () -> String) throws -> UnsafeRawPointer {
        guard n >= 0, offset + n <= count, let base else {
            throw TensorError.truncated(path: path, at: min(offset, count), what: what())
        }
        defer { offset += n }
        return base + offset
    }

    mutating func u8(_ what: @autoclosure () -> String) throws -> UInt8 {
        try need(1, what()).load(as: UInt8.self)
    }
    mutating func u16(_ what: @autoclosure () -> String) throws -> UInt16 {
        UInt16(littleEndian: try need(2, what()).loadUnaligned(as: UInt16.self))
    }
    mutating func u32(_ what: @autoclosure () -> String) throws -> UInt32 {
        UInt32(littleEndian: try need(4, what()).loadUnaligned(as: UInt32.self))
    }
    mutating func u64(_ what: @autoclosure () -> String) throws -> UInt64 {
        UInt64(littleEndian: try need(8, what()).loadUnaligned(as: UInt64.self))
    }
}

/// Elements × `elementSize` bytes of a tensor of `shape`, nil when a dimension is negative or the
/// product overflows Int (a hostile header can declare dimensions of 2^32 each).
func checkedByteCount(_ shape: [Int], elementSize: Int) -> Int? {
    var n = elementSize
    for d in shape {
        guard d >= 0 else { return nil }
        let (p, overflow) = n.multipliedReportingOverflow(by: d)
        if overflow { return nil }
        n = p
    }
    return n
}
