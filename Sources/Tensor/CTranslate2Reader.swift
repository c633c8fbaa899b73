/// Reads a CTranslate2 `model.bin` into a `WeightStore` of Float32 tensors.
///
/// Layout (little-endian): u32 format version; spec name (u16 byte length incl. NUL, bytes); u32
/// spec revision; u32 variable count; per variable: name, u8 rank, rank × u32 shape, u8 dtype code,
/// u32 byte count, raw data; then u32 alias count and (alias, target) name pairs. int8 weights are
/// dequantised with their per-row `…_scale` companion, which is consumed by the conversion.
/// From a path, the file is memory-mapped and float entries are handed to the store unconverted
/// (`DeferredTensor`): each is converted when a model takes it, and the file is unmapped when the
/// store is released.
public enum CTranslate2Reader {
    /// Format versions this reader understands.
    public static let supportedVersions: ClosedRange<UInt32> = 5...6

    public struct Header: Sendable, Equatable {
        public var version: UInt32
        public var specName: String
        public var revision: UInt32
        public init(version: UInt32, specName: String, revision: UInt32) {
            self.version = version; self.specName = specName; self.revision = revision
        }
    }

    /// Reads the whole checkpoint. With `spec`, a file of another spec (e.g. not `WhisperSpec`) is
    /// refused.
    /// `quantization` keeps or makes matrices 8-bit (`WeightQuantization`); by default all float32.
    public static func read(path: String, spec: String? = nil,
                            quantization: WeightQuantization = .none) throws -> (header: Header, store: WeightStore) {
        let file = try MappedFile(path: path)
        return try read(bytes: UnsafeRawBufferPointer(start: file.bytes, count: file.count), path: path, spec: spec,
                        quantization: quantization, converted: { file.dropPages(below: $0) }, mapped: file)
    }

    /// Reads a checkpoint held in memory; `path` only names the source in errors. `converted` is
    /// told, after each variable, the byte offset up to which the input is no longer needed.
    public static func read(bytes: UnsafeRawBufferPointer, path: String, spec: String? = nil,
                            quantization: WeightQuantization = .none, converted: ((Int) -> Void)? = nil) throws -> (header: Header, store: WeightStore) {
        try read(bytes: bytes, path: path, spec: spec, quantization: quantization, converted: converted, mapped: nil)
    }

    /// With `mapped` (the file `bytes` lie in), float entries are deferred rather than converted.
    static func read(bytes: UnsafeRawBufferPointer, path: String, spec: String?, quantization: WeightQuantization,
                     converted: ((Int) -> Void)?, mapped: MappedFile?) throws -> (header: Header, store: WeightStore) {
        var r = ByteReader(base: bytes.baseAddress, count: bytes.count, path: path)
        let version = try r.u32("the format version")
        guard supportedVersions.contains(version) else {
            throw TensorError.wrongFormat(path: path, reason: "format version \(version) (bytes \(hex(bytes, 0, 4))) is not a CTranslate2 model.bin version \(supportedVersions.lowerBound)…\(supportedVersions.upperBound)")
        }
        let specName = try string(&r, "the spec name")
        guard !specName.isEmpty, specName.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw TensorError.wrongFormat(path: path, reason: "spec name '\(specName.prefix(40))' is not a model spec name")
        }
        if let spec, spec != specName {
            throw TensorError.wrongFormat(path: path, reason: "spec is \(specName), expected \(spec)")
        }
        let revision = try r.u32("the spec revision")
        let count = Int(try r.u32("the variable count"))

        struct Raw { var shape: [Int]; var dtype: DType; var data: UnsafeRawPointer }
        var raws: [String: Raw] = [:]
        var order: [String] = []
        for index in 0..<count {
            let name = try string(&r, "the name of variable \(index) of \(count)")
            let rank = Int(try r.u8("the rank of '\(name)'"))
            var shape: [Int] = []
            for _ in 0..<rank { shape.append(Int(try r.u32("the shape of '\(name)'"))) }
            let code = try r.u8("the dtype of '\(name)'")
            guard let dtype = DType(ctranslate2Code: code) else {
                throw TensorError.wrongFormat(path: path, reason: "variable '\(name)' has unknown dtype code \(code)")
            }
            let bytes = Int(try r.u32("the byte count of '\(name)'"))
            guard let expected = checkedByteCount(shape, elementSize: dtype.size) else {
                throw TensorError.wrongFormat(path: path, reason: "variable '\(name)' has shape \(shape): too many elements to be a tensor")
            }
            guard bytes == expected else {
                throw TensorError.wrongFormat(path: path, reason: "variable '\(name)' of shape \(shape) and type \(dtype.rawValue) declares \(bytes) bytes, expected \(expected)")
            }
            let data = try r.need(bytes, "the data of '\(name)' (\(bytes) bytes)")
            raws[name] = Raw(shape: shape, dtype: dtype, data: data)
            order.append(name)
        }
        var aliases: [String: String] = [:]
        if r.offset < r.count || version >= 3 {
            let n = Int(try r.u32("the alias count"))
            for _ in 0..<n {
                let alias = try string(&r, "an alias name")
                let target = try string(&r, "the target of alias '\(alias)'")
                guard raws[target] != nil else {
                    throw TensorError.wrongFormat(path: path, reason: "alias '\(alias)' points to unknown variable '\(target)'")
                }
                aliases[alias] = target
            }
        }
        guard r.offset == r.count else {
            throw TensorError.wrongFormat(path: path, reason: "\(r.count - r.offset) unexpected bytes after the aliases at byte \(r.offset)")
        }

        var tensors: [String: Tensor] = [:]
        var deferred: [String: DeferredTensor] = [:]
        var consumedScales = Set<String>()
        var matrices: [String: Int8Matrix] = [:]
        for name in order {
            guard let raw = raws[name] else { continue }
            // Float entries are deferred unless they are to be quantised to 8 bits as they are read.
            if let mapped, raw.dtype != .int8, !(raw.shape.count == 2 && (quantization.quantize?(name) ?? false)) {
                deferred[name] = DeferredTensor(shape: raw.shape, dtype: raw.dtype, bytes: raw.data, owner: mapped)
                continue
            }
            let n = raw.shape.reduce(1, *)
            let scale = raws[name + "_scale"].map { (shape: $0.shape, dtype: $0.dtype, data: $0.data) }
            if let m = try quantization.matrix(name: name, shape: raw.shape, dtype: raw.dtype, data: raw.data,
                                               scale: raw.dtype == .int8 ? scale : nil, path: path) {
                matrices[name] = m   // kept 8-bit (WeightQuantization)
                if raw.dtype == .int8 { consumedScales.insert(name + "_scale") }
                if let converted, let base = bytes.baseAddress { converted(base.distance(to: raw.data) + n * raw.dtype.size) }
                continue
            }
            var values = raw.dtype.convert(raw.data, count: n)
            if raw.dtype == .int8 && raw.shape.count >= 2 {
                let scaleName = name + "_scale"
                guard let scale = raws[scaleName] else {
                    throw TensorError.unsupportedDType(path: path, name: name, dtype: "int8 without '\(scaleName)'")
                }
                let scales = scale.dtype.convert(scale.data, count: scale.shape.reduce(1, *))
                let rows = raw.shape[0], cols = n / max(1, rows)
                guard scales.count == rows || scales.count == 1 else {
                    throw TensorError.wrongShape(path: path, name: scaleName, expected: [rows], found: scale.shape)
                }
                // CTranslate2 quantises w·scale → int8; dequantise per row: w = q / scale[row].
                for row in 0..<rows {
                    let inv = 1 / scales[scales.count == 1 ? 0 : row]
                    for c in 0..<cols { values[row * cols + c] *= inv }
                }
                consumedScales.insert(scaleName)
            }
            tensors[name] = try Tensor(shape: raw.shape, data: values)
            // Variables are converted in file order: the pages up to this one's end are done with.
            if let converted, let base = bytes.baseAddress { converted(base.distance(to: raw.data) + n * raw.dtype.size) }
        }
        for s in consumedScales { tensors[s] = nil; deferred[s] = nil }
        let header = Header(version: version, specName: specName, revision: revision)
        return (header, WeightStore(path: path, tensors: tensors, aliases: aliases, matrices: matrices, deferred: deferred))
    }

    /// A CTranslate2 string: u16 byte length including a trailing NUL, then the bytes.
    private static func string(_ r: inout ByteReader, _ what: String) throws -> String {
        let n = Int(try r.u16("the length of \(what)"))
        guard n >= 1 else { throw TensorError.wrongFormat(path: r.path, reason: "empty string for \(what) at byte \(r.offset - 2)") }
        let p = try r.need(n, what)
        let bytes = UnsafeRawBufferPointer(start: p, count: n - 1)
        guard p.load(fromByteOffset: n - 1, as: UInt8.self) == 0,
              let s = String(validating: bytes, as: UTF8.self) else {
            throw TensorError.wrongFormat(path: r.path, reason: "\(what) at byte \(r.offset - n) is not a NUL-terminated UTF-8 string")
        }
        return s
    }

    private static func hex(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ n: Int) -> String {
        (start..<min(bytes.count, start + n)).map { i in
            let v = bytes[i]
            return (v < 16 ? "0" : "") + String(v, radix: 16)
        }.joined(separator: " ")
    }
}
