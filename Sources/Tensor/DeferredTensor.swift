/// A checkpoint variable not yet converted: its shape, stored element type and bytes inside a
/// memory-mapped file that `owner` keeps mapped. `WeightStore` converts it when a model takes it
/// (float32 `Tensor`, or half-precision bits used in place for `takeHalf`), so a float16
/// checkpoint's decoder weights go from the file to a `HalfMatrix` without a float32 round trip
/// and nothing a model does not take is ever converted.
public struct DeferredTensor: @unchecked Sendable {
    public let shape: [Int]
    public let dtype: DType
    let bytes: UnsafeRawPointer
    /// Keeps `bytes` valid (the `MappedFile`).
    let owner: MappedFile

    public var count: Int { shape.reduce(1, *) }

    /// The values as Float32.
    func tensor() throws -> Tensor {
        defer { dropPages() }
        return try Tensor(shape: shape, data: dtype.convert(bytes, count: count))
    }

    /// The stored half-precision bits of a float16 matrix for a `HalfMatrix`: in place, where the
    /// mapped file holds them, on a little-endian host (the mapping then lives as long as the
    /// matrix; the half kernels read unaligned weights, and CTranslate2 variables may start at an
    /// odd byte); else copied without conversion.
    func halfStorage() -> HalfBits {
        #if _endian(little)
        return HalfBits(mapped: bytes.assumingMemoryBound(to: UInt16.self), count: count, owner: owner)
        #else
        return HalfBits(halfBits())
        #endif
    }

    /// The stored half-precision bits of a float16 matrix, copied without conversion.
    func halfBits() -> [UInt16] {
        defer { dropPages() }
        let n = count
        return [UInt16](unsafeUninitializedCapacity: n) { buf, initialized in
            UnsafeMutableRawPointer(buf.baseAddress!).copyMemory(from: bytes, byteCount: n * 2)
            #if _endian(big)
            for i in 0..<n { buf[i] = UInt16(littleEndian: buf[i]) }
            #endif
            initialized = n
        }
    }

    /// Once converted, the file's pages under these bytes are not needed in memory any more.
    private func dropPages() {
        guard let base = owner.bytes else { return }
        let start = base.distance(to: bytes)
        owner.dropPages(in: start..<(start + count * dtype.size))
    }
}
