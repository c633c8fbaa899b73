/// What a checkpoint reader does with 8-bit and float weight matrices: keep a CTranslate2 int8
/// checkpoint's matrices in 8 bits (`keepInt8`), quantise float matrices on load (`quantize`), or
/// widen everything to float32 (`.none`, the reader's behaviour before 8-bit weights existed).
/// Only rank-2 variables are kept or made 8-bit (linear layers, token embeddings); convolution
/// weights and everything else are float32.
public struct WeightQuantization: Sendable {
    /// int8 matrices of the file stay `Int8Matrix` (with their `…_scale`).
    public var keepInt8: Bool
    /// Float matrices whose name this accepts are quantised to int8 (CTranslate2's scheme) as they
    /// are read, so the float32 copy of the whole checkpoint never exists.
    public var quantize: (@Sendable (String) -> Bool)?

    public init(keepInt8: Bool, quantize: (@Sendable (String) -> Bool)? = nil) {
        self.keepInt8 = keepInt8
        self.quantize = quantize
    }

    /// Everything widened to float32.
    public static let none = WeightQuantization(keepInt8: false)

    /// The matrix for variable `name`, or nil when it stays a float32 tensor. `scale` is the
    /// variable's `…_scale` companion (int8 only). Throws on a scale of the wrong size.
    func matrix(name: String, shape: [Int], dtype: DType, data: UnsafeRawPointer,
                scale: (shape: [Int], dtype: DType, data: UnsafeRawPointer)?, path: String) throws -> Int8Matrix? {
        guard shape.count == 2 else { return nil }
        let rows = shape[0], columns = shape[1]
        if dtype == .int8 {
            guard keepInt8, let scale else { return nil }
            let count = scale.shape.reduce(1, *)
            guard count == rows || count == 1 else {
                throw TensorError.wrongShape(path: path, name: name + "_scale", expected: [rows], found: scale.shape)
            }
            let s = scale.dtype.convert(scale.data, count: count)
            let values = Array(UnsafeBufferPointer(start: data.assumingMemoryBound(to: Int8.self), count: rows * columns))
            do {
                return try Int8Matrix(rows: rows, columns: columns, values: values,
                                      scales: count == rows ? s : [Float](repeating: s[0], count: rows))
            } catch {
                throw TensorError.wrongFormat(path: path, reason: "variable '\(name)': \(error)")
            }
        }
        guard let quantize, quantize(name), dtype == .float32 || dtype == .float16 || dtype == .bfloat16 else { return nil }
        // Widened and quantised a block of rows at a time: the float32 copy of a large matrix
        // (the token embedding: 106 MB for base) never exists whole.
        var scales = [Float](repeating: 1, count: rows)
        var values = [Int8](repeating: 0, count: rows * columns)
        let blockRows = max(1, Self.blockElements / max(1, columns))
        var first = 0
        while first < rows {
            let m = min(blockRows, rows - first)
            let floats = dtype.convert(data + first * columns * dtype.size, count: m * columns)
            floats.withUnsafeBufferPointer { f in
                values.withUnsafeMutableBufferPointer { v in
                    scales.withUnsafeMutableBufferPointer { s in
                        Int8Matrix.quantizeRows(f.baseAddress!, rows: m, columns: columns,
                                                into: v.baseAddress! + first * columns, scales: s.baseAddress! + first)
                    }
                }
            }
            first += m
        }
        do {
            return try Int8Matrix(rows: rows, columns: columns, values: values, scales: scales)
        } catch {
            throw TensorError.wrongFormat(path: path, reason: "variable '\(name)' cannot be quantised: \(error)")
        }
    }

    /// Float elements widened per block when quantising on load.
    static let blockElements = 1 << 20
}
