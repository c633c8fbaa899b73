import Foundation

/// Reads a safetensors file into a `WeightStore` of Float32 tensors: u64 little-endian header
/// length, a JSON header `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}}`,
/// then the data. The file is memory-mapped while converting and unmapped before returning.
public enum SafetensorsReader {
    /// Largest header accepted (the format's own limit is 100 MB).
    public static let maxHeaderBytes = 100_000_000

    public static func read(path: String) throws -> (metadata: [String: String], store: WeightStore) {
        let file = try MappedFile(path: path)
        defer { file.close() }
        return try read(bytes: UnsafeRawBufferPointer(start: file.bytes, count: file.count), path: path)
    }

    /// Reads a safetensors file held in memory; `path` only names the source in errors.
    public static func read(bytes: UnsafeRawBufferPointer, path: String) throws -> (metadata: [String: String], store: WeightStore) {
        var r = ByteReader(base: bytes.baseAddress, count: bytes.count, path: path)
        let headerLength = try r.u64("the header length")
        guard headerLength >= 2, headerLength <= UInt64(maxHeaderBytes) else {
            throw TensorError.wrongFormat(path: path, reason: "header length \(headerLength) is not that of a safetensors file")
        }
        let headerBytes = try r.need(Int(headerLength), "the JSON header (\(headerLength) bytes)")
        let json = Data(bytes: headerBytes, count: Int(headerLength))
        guard let object = try? JSONSerialization.jsonObject(with: json), let header = object as? [String: Any] else {
            throw TensorError.wrongFormat(path: path, reason: "the \(headerLength)-byte header is not a JSON object")
        }
        let dataStart = 8 + Int(headerLength)
        let dataCount = bytes.count - dataStart
        var metadata: [String: String] = [:]
        var tensors: [String: Tensor] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                for (k, v) in (value as? [String: Any]) ?? [:] { metadata[k] = "\(v)" }
                continue
            }
            guard let entry = value as? [String: Any], let dtypeName = entry["dtype"] as? String,
                  let shapeAny = entry["shape"] as? [Any], let offsetsAny = entry["data_offsets"] as? [Any],
                  offsetsAny.count == 2 else {
                throw TensorError.wrongFormat(path: path, reason: "header entry '\(name)' lacks dtype, shape or data_offsets")
            }
            let shape = shapeAny.compactMap { ($0 as? NSNumber)?.intValue }
            let offsets = offsetsAny.compactMap { ($0 as? NSNumber)?.intValue }
            guard shape.count == shapeAny.count, offsets.count == 2, shape.allSatisfy({ $0 >= 0 }) else {
                throw TensorError.wrongFormat(path: path, reason: "header entry '\(name)' has a malformed shape or data_offsets")
            }
            guard let dtype = DType(rawValue: dtypeName), [.float32, .float16, .bfloat16].contains(dtype) else {
                throw TensorError.unsupportedDType(path: path, name: name, dtype: dtypeName)
            }
            guard let byteCount = checkedByteCount(shape, elementSize: dtype.size) else {
                throw TensorError.wrongFormat(path: path, reason: "tensor '\(name)' has shape \(shape): too many elements to be a tensor")
            }
            let elements = byteCount / dtype.size
            guard offsets[0] >= 0, offsets[1] >= offsets[0], offsets[1] - offsets[0] == byteCount else {
                throw TensorError.wrongFormat(path: path, reason: "tensor '\(name)' of shape \(shape) \(dtypeName) has data_offsets \(offsets), expected \(byteCount) bytes")
            }
            guard offsets[1] <= dataCount, let base = bytes.baseAddress else {
                throw TensorError.truncated(path: path, at: bytes.count, what: "the data of '\(name)' (bytes \(dataStart + offsets[0])..<\(dataStart + offsets[1]))")
            }
            tensors[name] = try Tensor(shape: shape, data: dtype.convert(base + dataStart + offsets[0], count: elements))
        }
        return (metadata, WeightStore(path: path, tensors: tensors))
    }
}
