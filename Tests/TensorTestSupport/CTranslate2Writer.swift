import Foundation
import Tensor

/// Test support (the library only reads checkpoints): writes a CTranslate2 `model.bin` (format version 6) from Float32 tensors: the layout
/// `CTranslate2Reader` reads. Weights are stored as float32 or float16; entries listed in
/// `integerScalars` are stored as int8/int16/int32 scalars as CTranslate2 stores its flags.
public enum CTranslate2Writer {
    public struct Entry {
        public var name: String
        public var tensor: Tensor
        public var dtype: DType
        public init(name: String, tensor: Tensor, dtype: DType) { self.name = name; self.tensor = tensor; self.dtype = dtype }
    }

    public static func encode(spec: String, revision: UInt32 = 3, entries: [Entry], aliases: [(String, String)] = []) -> Data {
        var out = Data()
        func u8(_ v: UInt8) { out.append(v) }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func string(_ s: String) { let b = Array(s.utf8); u16(UInt16(b.count + 1)); out.append(contentsOf: b); u8(0) }
        u32(6); string(spec); u32(revision); u32(UInt32(entries.count))
        for e in entries {
            string(e.name)
            u8(UInt8(e.tensor.rank))
            for d in e.tensor.shape { u32(UInt32(d)) }
            let code: UInt8
            switch e.dtype {
            case .float32: code = 0
            case .int8: code = 1
            case .int16: code = 2
            case .int32: code = 3
            case .float16: code = 4
            case .bfloat16: code = 5
            }
            u8(code)
            u32(UInt32(e.tensor.count * e.dtype.size))
            for v in e.tensor.data {
                switch e.dtype {
                case .float32: u32(v.bitPattern)
                case .float16: u16(Float16(v).bitPattern)
                case .bfloat16: u16(UInt16(v.bitPattern >> 16))
                case .int8: u8(UInt8(bitPattern: Int8(clamping: Int(v.rounded()))))
                case .int16: u16(UInt16(bitPattern: Int16(clamping: Int(v.rounded()))))
                case .int32: u32(UInt32(bitPattern: Int32(clamping: Int(v.rounded()))))
                }
            }
        }
        u32(UInt32(aliases.count))
        for (alias, target) in aliases { string(alias); string(target) }
        return out
    }
}
