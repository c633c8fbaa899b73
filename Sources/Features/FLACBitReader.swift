/// Big-endian bit reader over a FLAC file's bytes, with the CRC-8 and CRC-16 FLAC puts after each
/// frame header and frame. Reads past the end throw `FLACDecoder.Failure.truncated`.
struct FLACBitReader {
    private let bytes: [UInt8]          // the file plus 8 zero bytes, so 64-bit loads never overrun
    let byteCount: Int
    /// Position in bits from the start of the file.
    private(set) var position = 0

    init(_ data: [UInt8]) {
        byteCount = data.count
        bytes = data + [UInt8](repeating: 0, count: 8)
    }

    var bytePosition: Int { position >> 3 }
    var bitsLeft: Int { byteCount * 8 - position }
    var isByteAligned: Bool { position & 7 == 0 }

    func byte(at i: Int) -> UInt8 { bytes[i] }

    /// The next 64 bits from `position` (zeros past the end), most significant first.
    @inline(__always)
    private func window() -> UInt64 {
        bytes.withUnsafeBytes { raw in
            let word = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: position >> 3, as: UInt64.self))
            return word << UInt64(position & 7)
        }
    }

    /// `n` (0...32) bits as an unsigned value.
    @inline(__always)
    mutating func read(_ n: Int) throws -> UInt32 {
        guard n > 0 else { return 0 }
        guard position + n <= byteCount * 8 else { throw FLACDecoder.Failure.truncated(byte: bytePosition) }
        let value = window() >> UInt64(64 - n)
        position += n
        return UInt32(truncatingIfNeeded: value)
    }

    /// `n` (0...32) bits as a two's-complement signed value.
    @inline(__always)
    mutating func readSigned(_ n: Int) throws -> Int32 {
        guard n > 0 else { return 0 }
        let raw = Int64(try read(n))
        return Int32(truncatingIfNeeded: raw >= Int64(1) << (n - 1) ? raw - (Int64(1) << n) : raw)
    }

    /// A unary count: zero bits up to (and consuming) the next one bit.
    @inline(__always)
    mutating func unary() throws -> Int {
        var zeros = 0
        while true {
            guard position < byteCount * 8 else { throw FLACDecoder.Failure.truncated(byte: bytePosition) }
            let w = window()
            let available = min(57, byteCount * 8 - position)
            let lead = w.leadingZeroBitCount
            if lead < available {
                zeros += lead
                position += lead + 1
                return zeros
            }
            zeros += available
            position += available
        }
    }

    /// One Rice-coded signed value with parameter k.
    @inline(__always)
    mutating func rice(_ k: Int) throws -> Int32 {
        let q = UInt32(truncatingIfNeeded: try unary())
        let v = k == 0 ? q : (q << UInt32(k)) | (try read(k))
        return Int32(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    mutating func alignToByte() { position = (position + 7) & ~7 }

    mutating func skipBytes(_ n: Int) throws {
        guard isByteAligned, position + n * 8 <= byteCount * 8 else { throw FLACDecoder.Failure.truncated(byte: bytePosition) }
        position += n * 8
    }

    /// CRC-8 (polynomial 0x07) of bytes [from, to).
    func crc8(from: Int, to: Int) -> UInt8 {
        var crc: UInt8 = 0
        for i in from..<to {
            crc ^= bytes[i]
            for _ in 0..<8 { crc = crc & 0x80 != 0 ? (crc << 1) ^ 0x07 : crc << 1 }
        }
        return crc
    }

    /// CRC-16 (polynomial 0x8005) of bytes [from, to).
    func crc16(from: Int, to: Int) -> UInt16 {
        var crc: UInt16 = 0
        for i in from..<to { crc = (crc << 8) ^ Self.crc16Table[Int(UInt8(crc >> 8) ^ bytes[i])] }
        return crc
    }

    private static let crc16Table: [UInt16] = (0..<256).map { b in
        var crc = UInt16(b) << 8
        for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x8005 : crc << 1 }
        return crc
    }
}
