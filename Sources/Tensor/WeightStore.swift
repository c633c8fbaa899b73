/// Named weights of a checkpoint, converted to Float32. A model takes each tensor it needs with
/// the shape it expects; `checkAllUsed()` then fails on anything left over, so a checkpoint of
/// another architecture or size is refused instead of half-loaded.
public final class WeightStore {
    /// The file the weights came from (used in error messages).
    public let path: String
    private var tensors: [String: Tensor]
    private var aliases: [String: String]
    private var taken = Set<String>()

    public init(path: String, tensors: [String: Tensor], aliases: [String: String] = [:]) {
        self.path = path
        self.tensors = tensors
        self.aliases = aliases
    }

    /// Every name, aliases included, sorted.
    public var names: [String] { (Array(tensors.keys) + Array(aliases.keys)).sorted() }

    public func contains(_ name: String) -> Bool { resolve(name) != nil }

    /// The name `name` is an alias of (CTranslate2's tied weights), or nil when it is a tensor of
    /// its own or absent.
    public func aliasTarget(of name: String) -> String? { tensors[name] == nil ? aliases[name] : nil }

    /// The shape of a tensor without taking it (to read hyper-parameters).
    public func shape(of name: String) throws -> [Int] {
        guard let t = resolve(name) else { throw TensorError.missingTensor(path: path, name: name) }
        return t.shape
    }

    /// Takes a tensor, checking its shape when `shape` is given.
    public func take(_ name: String, shape expected: [Int]? = nil) throws -> Tensor {
        guard let t = resolve(name) else { throw TensorError.missingTensor(path: path, name: name) }
        if let expected, t.shape != expected {
            throw TensorError.wrongShape(path: path, name: name, expected: expected, found: t.shape)
        }
        taken.insert(name)
        if let target = aliases[name] { taken.insert(target) }
        return t
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
        if resolve(name) != nil { taken.insert(name) }
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

    /// Drops every tensor, so their memory is freed once the model holds its own references.
    public func release() { tensors = [:]; aliases = [:] }

    private func resolve(_ name: String) -> Tensor? {
        if let t = tensors[name] { return t }
        if let target = aliases[name] { return tensors[target] }
        return nil
    }
}
