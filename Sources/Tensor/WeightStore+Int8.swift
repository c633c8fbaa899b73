extension WeightStore {
    /// Whether `name` is held as an 8-bit matrix (`takeInt8` gives it without widening).
    public func isInt8(_ name: String) -> Bool { int8Matrix(name) != nil }

    /// Takes an 8-bit matrix, checking its (rows, columns) when `shape` is given. `take` on the
    /// same name gives it dequantised to float32 instead.
    public func takeInt8(_ name: String, shape expected: [Int]? = nil) throws -> Int8Matrix {
        guard let m = int8Matrix(name) else { throw TensorError.missingTensor(path: path, name: name) }
        if let expected, [m.rows, m.columns] != expected {
            throw TensorError.wrongShape(path: path, name: name, expected: expected, found: [m.rows, m.columns])
        }
        markTaken(name)
        return m
    }
}
