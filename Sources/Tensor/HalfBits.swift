/// The half-precision bits of a `HalfMatrix`: an array it owns, or the bytes of a memory-mapped
/// checkpoint used where they lie (float16 in the file, 2-byte aligned, little-endian host), kept
/// mapped by `owner`. In place, a float16 model's decoder weights and token table (56 MB for
/// tiny.en) are neither copied nor faulted into fresh anonymous memory at load: the kernels read
/// the file's pages, which the page cache already holds.
public struct HalfBits: @unchecked Sendable {
    private let array: [UInt16]?
    private let mapped: UnsafePointer<UInt16>?
    /// Keeps `mapped` valid (the `MappedFile`); nil for an owned array.
    private let owner: AnyObject?
    public let count: Int

    public init(_ array: [UInt16]) {
        self.array = array
        mapped = nil
        owner = nil
        count = array.count
    }

    /// `count` halves at `pointer`, which stay valid while `owner` lives.
    init(mapped pointer: UnsafePointer<UInt16>, count: Int, owner: AnyObject) {
        array = nil
        mapped = pointer
        self.owner = owner
        self.count = count
    }

    /// Whether the bits are the mapped file's bytes (not a copy).
    public var isMapped: Bool { mapped != nil }

    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<UInt16>) throws -> R) rethrows -> R {
        if let mapped {
            return try withExtendedLifetime(owner) { try body(UnsafeBufferPointer(start: mapped, count: count)) }
        }
        return try (array ?? []).withUnsafeBufferPointer(body)
    }
}
