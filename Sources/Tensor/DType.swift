import CVectorKernels

/// Stored element types of checkpoints, and their conversion to Float32.
public enum DType: String, Sendable {
    case float32 = "F32", float16 = "F16", bfloat16 = "BF16", int8 = "I8", int16 = "I16", int32 = "I32"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8: return 1
        }
    }

    /// CTranslate2's dtype codes: 0 float32, 1 int8, 2 int16, 3 int32, 4 float16, 5 bfloat16.
    public init?(ctranslate2Code code: UInt8) {
        switch code {
        case 0: self = .float32
        case 1: self = .int8
        case 2: self = .int16
        case 3: self = .int32
        case 4: self = .float16
        case 5: self = .bfloat16
        default: return nil
        }
    }

    /// Converts `count` little-endian elements at `bytes` to Float32 (integers by value).
    public func convert(_ bytes: UnsafeRawPointer, count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { out, initialized in
            let o = out.baseAddress!
            switch self {
            case .float32:
                for i in 0..<count { o[i] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
            case .float16:
                #if _endian(little)
                if VectorExtensions.enabled {
                    // F16C (vcvtph2ps), 8 halves per instruction: the exact widening, as below. The
                    // kernel reads unaligned halves (a CTranslate2 variable may start at an odd byte).
                    CheckedKernels.halfToFloat(.init(bytes.assumingMemoryBound(to: UInt16.self), count), out, count: count)
                    break
                }
                let full = count - count % 8   // file and host order agree: 8 halves at a time
                #else
                let full = 0
                #endif
                var i = 0
                while i < full {   // 8 halves per step; `halfToFloat` (the reference) for the tail
                    let h = bytes.loadUnaligned(fromByteOffset: 2 * i, as: SIMD8<UInt16>.self)
                    UnsafeMutableRawPointer(o + i).storeBytes(of: DType.halvesToFloats(h), as: SIMD8<Float>.self)
                    i += 8
                }
                for j in full..<count { o[j] = DType.halfToFloat(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * j, as: UInt16.self))) }
            case .bfloat16:
                for i in 0..<count { o[i] = Float(bitPattern: UInt32(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16) }
            case .int8:
                for i in 0..<count { o[i] = Float(bytes.load(fromByteOffset: i, as: Int8.self)) }
            case .int16:
                for i in 0..<count { o[i] = Float(Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))) }
            case .int32:
                for i in 0..<count { o[i] = Float(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
            }
            initialized = count
        }
    }

    /// Eight halves (host order) → floats without branches: the 15 exponent+mantissa bits shifted
    /// into a float's place read as a float scaled by 2^112 re-biases the exponent (subnormal halves
    /// become normal floats exactly); exponent 31 (infinity, NaN) is set to 255; the sign is copied.
    @inline(__always)
    public static func halvesToFloats(_ halves: SIMD8<UInt16>) -> SIMD8<Float> {
        let h = SIMD8<Int32>(truncatingIfNeeded: halves)
        let magnitude = h & 0x7FFF
        let shifted = magnitude &<< 13
        let scaled = unsafeBitCast(shifted, to: SIMD8<Float>.self) * 5.192_296_858_534_827_6e33   // 2^112
        var bits = unsafeBitCast(scaled, to: SIMD8<Int32>.self)
        bits.replace(with: shifted | 0x7F80_0000, where: magnitude .>= 0x7C00)
        return unsafeBitCast(bits | ((h & 0x8000) &<< 16), to: SIMD8<Float>.self)
    }

    /// IEEE 754 binary16 → binary32, by bit manipulation (subnormals, infinities and NaN included).
    @inline(__always)
    public static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            if mantissa == 0 { return Float(bitPattern: sign) }
            // Subnormal half: value = mantissa · 2^-24.
            let v = Float(mantissa) * 5.9604644775390625e-8
            return sign != 0 ? -v : v
        }
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }
}
