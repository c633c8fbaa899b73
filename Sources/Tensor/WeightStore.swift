/// Named weights of a checkpoint, converted to Float32 (up front, or when taken for the entries a
/// reader deferred: `DeferredTensor`). A model takes each tensor it needs with the shape it
/// expects; `checkAllUsed()` then fails on anything left over, so a checkpoint of another
/// architecture or size is refused instead of half-loaded.
public final class WeightStore {
    /// The file the weights came from (used in error messages).
    public let path: String
    private var tensors: [String: Tensor]
    /// 8-bit matrices kept as such (an int8 checkpoint, or float weights quantised on load).
    private var matrices: [String: Int8Matrix]
    private var deferred: [String: DeferredTensor]
    private var aliases: [String: String]
    private var taken = Set<String>()
    /// Whether layers may keep float weights in half precision (`HalfMatrix`); false computes
    /// in float32 throughout (`--compute float32`).
    public var allowsHalfPrecision = true
    /// Whether layers that compute in float32 (the encoder's) also keep their weights as a
    /// `BFloat16Matrix` and multiply on AMX tiles (`--compute bfloat16` on a CPU that has them).
    public var bfloat16Matrices = false

    public init(path: String, tensors: [String: Tensor], aliases: [String: String] = [:],
                matrices: [String: Int8Matrix] = [:], deferred: [String: DeferredTensor] = [:]) {
        self.path = path
        self.tensors = tensors
        self.matrices = matrices
        self.aliases = aliases
        self.deferred = deferred
    }

    /// Every name, aliases included, sorted.
    public var names: [String] {
        (Array(tensors.keys) + Array(matrices.keys) + Array(deferred.keys) + Array(aliases.keys)).sorted()
    }

    public func contains(_ name: String) -> Bool { entryShape(name) != nil }

    /// The name `name` is an alias of (CTranslate2's tied weights), or nil when it is a tensor of
    /// its own or absent.
    public func aliasTarget(of name: String) -> String? {
        tensors[name] == nil && matrices[name] == nil && deferred[name] == nil ? aliases[name] : nil
    }

    /// The shape of a tensor without taking it (to read hyper-parameters).
    public func shape(of name: String) throws -> [Int] {
        guard let s = entryShape(name) else { throw TensorError.missingTensor(path: path, name: name) }
        return s
    }

    /// Takes a tensor, checking its shape when `shape` is given.
    public func take(_ name: String, shape expected: [Int]? = nil) throws -> Tensor {
        if int8Matrix(name) != nil { return try takeInt8(name, shape: expected).dequantized() }
        try check(name, expected)
        let t: Tensor
        if let ready = resolve(name) {
            t = ready
        } else if let d = resolveDeferred(name) {
            t = try d.tensor()
        } else {
            throw TensorError.missingTensor(path: path, name: name)
        }
        markTaken(name)
        return t
    }

    /// Takes a float16 matrix as it is stored, without widening it to float32 (nor narrowing it
    /// back), read in place from the mapped file where the layout allows (`HalfBits`): nil — nothing taken — when the entry is stored in another type, was converted up
    /// front, or the CPU cannot compute with half precision (`HalfMatrix`); take it with `take`.
    public func takeHalf(_ name: String, shape expected: [Int]) throws -> HalfMatrix? {
        try check(name, expected)
        guard expected.count == 2, VectorExtensions.available, resolve(name) == nil,
              let d = resolveDeferred(name), d.dtype == .float16 else { return nil }
        let matrix = HalfMatrix(rows: expected[0], columns: expected[1], storage: d.halfStorage())
        markTaken(name)
        return matrix
    }

    /// Marks an entry as used without converting it (a tied weight shared with another).
    public func takeShared(_ name: String, shape expected: [Int]) throws {
        try check(name, expected)
        markTaken(name)
    }

    private func check(_ name: String, _ expected: [Int]?) throws {
        guard let found = entryShape(name) else { throw TensorError.missingTensor(path: path, name: name) }
        if let expected, found != expected {
            throw TensorError.wrongShape(path: path, name: name, expected: expected, found: found)
        }
    }

    func markTaken(_ name: String) {
        taken.insert(name)
        if let target = aliases[name] { taken.insert(target) }
    }

    /// Takes a scalar (rank 0 or one element), e.g. CTranslate2's `decoder/num_heads`.
    public func scalar(_ name: String) throws -> Float {
        let t = try take(name)
        guard let v = t.scalar else {
            throw TensorError.wrongShape(path: path, name: name, expected: [], found: t.shape)
        }
        return v
    }

    /// Marks a tensor as deliberately ignored (e.g. metadata the model does not need).
    public func ignore(_ name: String) {
        if entryShape(name) != nil { taken.insert(name) }
    }

    /// Names never taken, sorted.
    public var unused: [String] { names.filter { !taken.contains($0) } }

    /// Fails when a tensor (or alias) was never taken.
    public func checkAllUsed() throws {
        let left = unused
        if !left.isEmpty {
            throw TensorError.unusedTensors(path: path, names: Array(left.prefix(5)), count: left.count)
        }
    }

    /// Drops every tensor, so their memory is freed once the model holds its own references (and
    /// the mapped file of deferred entries is unmapped).
    public func release() { tensors = [:]; matrices = [:]; deferred = [:]; aliases = [:] }

    private func resolve(_ name: String) -> Tensor? {
        if let t = tensors[name] { return t }
        if let target = aliases[name] { return tensors[target] }
        return nil
    }

    /// Quantises the float matrices (rank 2) whose name `accept` takes to 8 bits in place, for
    /// checkpoints read in float32 (safetensors) under `--compute int8`.
    public func quantizeMatrices(where accept: (String) -> Bool) {
        for (name, t) in tensors where t.rank == 2 && accept(name) {
            matrices[name] = try? Int8Matrix(quantizing: t)
            if matrices[name] != nil { tensors[name] = nil }
        }
    }

    /// The 8-bit matrix stored under `name` (or the target of its alias), nil when there is none.
    func int8Matrix(_ name: String) -> Int8Matrix? {
        if let m = matrices[name] { return m }
        if let target = aliases[name] { return matrices[target] }
        return nil
    }

    private func resolveDeferred(_ name: String) -> DeferredTensor? {
        if let d = deferred[name] { return d }
        if let target = aliases[name] { return deferred[target] }
        return nil
    }

    private func entryShape(_ name: String) -> [Int]? {
        if let m = int8Matrix(name) { return [m.rows, m.columns] }
        return resolve(name)?.shape ?? resolveDeferred(name)?.shape
    }
}
