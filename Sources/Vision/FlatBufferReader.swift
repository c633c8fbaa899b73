/// A bounds-checked reader of FlatBuffers binaries (little-endian tables, vtables, vectors and
/// strings). Every offset read from the file is checked against its size before use: a truncated
/// or fuzzed file fails with `VisionError.truncated` naming the byte and the field being read.
struct FlatBufferReader {
    let bytes: [UInt8]
    let path: String

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    /// A table: its position and the position of its vtable.
    struct Table {
        let position: Int
        let vtable: Int
        let vtableSize: Int
    }

    func check(_ position: Int, _ size: Int, _ what: String) throws {
        guard position >= 0, size >= 0, position <= bytes.count - size else {
            throw VisionError.truncated(path: path, offset: max(position, 0), what: what)
        }
    }

    func u8(_ p: Int, _ what: String) throws -> UInt8 { try check(p, 1, what); return bytes[p] }

    func u16(_ p: Int, _ what: String) throws -> UInt16 {
        try check(p, 2, what)
        return UInt16(bytes[p]) | UInt16(bytes[p + 1]) << 8
    }

    func u32(_ p: Int, _ what: String) throws -> UInt32 {
        try check(p, 4, what)
        return UInt32(bytes[p]) | UInt32(bytes[p + 1]) << 8 | UInt32(bytes[p + 2]) << 16 | UInt32(bytes[p + 3]) << 24
    }

    func i32(_ p: Int, _ what: String) throws -> Int32 { Int32(bitPattern: try u32(p, what)) }

    func u64(_ p: Int, _ what: String) throws -> UInt64 {
        UInt64(try u32(p, what)) | UInt64(try u32(p + 4, what)) << 32
    }

    /// The root table (the uoffset at byte 0).
    func root() throws -> Table {
        try table(at: Int(try u32(0, "root offset")), "root table")
    }

    func table(at position: Int, _ what: String) throws -> Table {
        let soffset = Int(try i32(position, "\(what) vtable offset"))
        let vtable = position - soffset
        let vtableSize = Int(try u16(vtable, "\(what) vtable size"))
        guard vtableSize >= 4, vtableSize % 2 == 0 else {
            throw VisionError.truncated(path: path, offset: vtable, what: "\(what) vtable (size \(vtableSize))")
        }
        try check(vtable, vtableSize, "\(what) vtable")
        let tableSize = Int(try u16(vtable + 2, "\(what) table size"))
        try check(position, max(tableSize, 4), "\(what) table")
        return Table(position: position, vtable: vtable, vtableSize: vtableSize)
    }

    /// The absolute position of field `index` of a table, or nil when absent (default value).
    func field(_ t: Table, _ index: Int, _ what: String) throws -> Int? {
        let entry = 4 + 2 * index
        guard entry + 2 <= t.vtableSize else { return nil }
        let offset = Int(try u16(t.vtable + entry, "\(what) vtable entry"))
        return offset == 0 ? nil : t.position + offset
    }

    func int32(_ t: Table, _ index: Int, default value: Int32, _ what: String) throws -> Int32 {
        guard let p = try field(t, index, what) else { return value }
        return try i32(p, what)
    }

    func uint32(_ t: Table, _ index: Int, default value: UInt32, _ what: String) throws -> UInt32 {
        guard let p = try field(t, index, what) else { return value }
        return try u32(p, what)
    }

    func int8(_ t: Table, _ index: Int, default value: Int8, _ what: String) throws -> Int8 {
        guard let p = try field(t, index, what) else { return value }
        return Int8(bitPattern: try u8(p, what))
    }

    func uint8(_ t: Table, _ index: Int, default value: UInt8, _ what: String) throws -> UInt8 {
        guard let p = try field(t, index, what) else { return value }
        return try u8(p, what)
    }

    func uint64(_ t: Table, _ index: Int, default value: UInt64, _ what: String) throws -> UInt64 {
        guard let p = try field(t, index, what) else { return value }
        return try u64(p, what)
    }

    /// Follows the uoffset stored at `p` (relative to `p`).
    func indirect(_ p: Int, _ what: String) throws -> Int {
        p + Int(try u32(p, what))
    }

    /// A sub-table field, or nil when absent.
    func subtable(_ t: Table, _ index: Int, _ what: String) throws -> Table? {
        guard let p = try field(t, index, what) else { return nil }
        return try table(at: try indirect(p, what), what)
    }

    /// A vector field: (position of the first element, count), or nil when absent. Checks that
    /// `count × elementSize` bytes are in the file.
    func vector(_ t: Table, _ index: Int, elementSize: Int, _ what: String) throws -> (start: Int, count: Int)? {
        guard let p = try field(t, index, what) else { return nil }
        let v = try indirect(p, what)
        let count = Int(try u32(v, "\(what) length"))
        guard count <= (bytes.count - v - 4) / max(elementSize, 1) else {
            throw VisionError.truncated(path: path, offset: v, what: "\(what) (\(count) elements of \(elementSize) B)")
        }
        try check(v + 4, count * elementSize, what)
        return (v + 4, count)
    }

    func string(_ t: Table, _ index: Int, _ what: String) throws -> String? {
        guard let (start, count) = try vector(t, index, elementSize: 1, what) else { return nil }
        return String(decoding: bytes[start..<(start + count)], as: UTF8.self)
    }

    func int32Vector(_ t: Table, _ index: Int, _ what: String) throws -> [Int32] {
        guard let (start, count) = try vector(t, index, elementSize: 4, what) else { return [] }
        return try (0..<count).map { try i32(start + 4 * $0, what) }
    }

    func tableVector(_ t: Table, _ index: Int, _ what: String) throws -> [Table] {
        guard let (start, count) = try vector(t, index, elementSize: 4, what) else { return [] }
        return try (0..<count).map { i in
            try table(at: try indirect(start + 4 * i, "\(what)[\(i)]"), "\(what)[\(i)]")
        }
    }
}
