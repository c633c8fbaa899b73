import CZlib

/// gzip-style compression ratio of a text: UTF-8 bytes / zlib-compressed bytes (level 6, as
/// Python's zlib.compress). High ratios mean repetitive text (a decoding loop).
public enum CompressionRatio {
    public static func of(_ text: String) throws -> Double {
        let input = Array(text.utf8)
        guard !input.isEmpty else {
            // zlib.compress(b"") is 8 bytes; 0 / 8.
            return 0
        }
        var capacity = compressBound(uLong(input.count))
        var output = [UInt8](repeating: 0, count: Int(capacity))
        let status = input.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                compress2(dst.baseAddress, &capacity, src.baseAddress, uLong(input.count), Z_DEFAULT_COMPRESSION)
            }
        }
        guard status == Z_OK else {
            throw ModelsError.decoding("zlib compress2 failed with status \(status) on \(input.count) bytes")
        }
        return Double(input.count) / Double(capacity)
    }
}
