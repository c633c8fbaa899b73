import Foundation

/// Writes tensors as a safetensors file (float32 or float16), names sorted, data 8-byte aligned.
public enum SafetensorsWriter {
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], dtype: DType = .float32,
                             to path: String) throws {
        guard dtype == .float32 || dtype == .float16 else {
            throw TensorError.unsupportedDType(path: path, name: "*", dtype: dtype.rawValue)
        }
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var body = Data()
        for name in tensors.keys.sorted() {
            let t = tensors[name]!
            let begin = body.count
            if dtype == .float32 {
                let bits = t.data.map { $0.bitPattern.littleEndian }
                bits.withUnsafeBytes { body.append(contentsOf: $0) }
            } else {
                let bits = t.data.map { Float16($0).bitPattern.littleEndian }
                bits.withUnsafeBytes { body.append(contentsOf: $0) }
            }
            header[name] = ["dtype": dtype.rawValue, "shape": t.shape, "data_offsets": [begin, body.count]]
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        out.append(body)
        do { try out.write(to: URL(fileURLWithPath: path)) } catch {
            throw TensorError.systemCall(function: "write", errno: Int32((error as NSError).code), path: path)
        }
    }
}
