import Foundation
import Tensor

/// The builtin operators the Vision interpreter runs (TFLite `BuiltinOperator` codes).
public enum TFLiteBuiltin: Int32, Sendable, CaseIterable {
    case add = 0, concatenation = 2, conv2d = 3, depthwiseConv2d = 4, dequantize = 6, maxPool2d = 17,
         relu = 19, reshape = 22, pad = 34, prelu = 54

    public var name: String {
        switch self {
        case .add: return "ADD"
        case .concatenation: return "CONCATENATION"
        case .conv2d: return "CONV_2D"
        case .depthwiseConv2d: return "DEPTHWISE_CONV_2D"
        case .dequantize: return "DEQUANTIZE"
        case .maxPool2d: return "MAX_POOL_2D"
        case .relu: return "RELU"
        case .reshape: return "RESHAPE"
        case .pad: return "PAD"
        case .prelu: return "PRELU"
        }
    }
}

/// TFLite `TensorType` values this reader handles.
public enum TFLiteType: Int8, Sendable {
    case float32 = 0, float16 = 1, int32 = 2

    var byteSize: Int { self == .float16 ? 2 : 4 }
}

/// A tensor of the graph: name, static shape, element type and the buffer holding constant data
/// (buffer 0, or an empty buffer, means a run-time value).
public struct TFLiteTensor: Sendable {
    public let name: String
    public let shape: [Int]
    public let type: TFLiteType
    public let buffer: Int
    public var count: Int { shape.reduce(1, *) }
}

public enum TFLitePadding: Int8, Sendable { case same = 0, valid = 1 }
public enum TFLiteActivation: Int8, Sendable { case none = 0, relu = 1, reluN1To1 = 2, relu6 = 3 }

/// The options of one operator (only the fields the supported operators use).
public struct TFLiteOptions: Sendable {
    public var padding: TFLitePadding = .same
    public var strideW = 1, strideH = 1
    public var dilationW = 1, dilationH = 1
    public var depthMultiplier = 1
    public var filterW = 1, filterH = 1
    public var activation: TFLiteActivation = .none
    public var axis = 0
    public var newShape: [Int] = []
}

public struct TFLiteOperator: Sendable {
    public let builtin: TFLiteBuiltin
    public let inputs: [Int]
    public let outputs: [Int]
    public let options: TFLiteOptions
}

/// A `.tflite` model (TFLite FlatBuffers schema, version 3), read by hand: its first subgraph's
/// tensors, operators, inputs and outputs, and the constant buffers. Only what the Vision
/// interpreter needs; anything else fails with a clear error.
public struct TFLiteModel: Sendable {
    public let path: String
    public let tensors: [TFLiteTensor]
    public let operators: [TFLiteOperator]
    public let inputs: [Int]
    public let outputs: [Int]
    /// Constant data per buffer index: a byte range in `bytes` (empty for run-time tensors).
    let bufferRanges: [Range<Int>]
    /// Largest tensor accepted (elements): a damaged shape fails to load instead of allocating gigabytes.
    public static let maxElements = 1 << 24
    let bytes: [UInt8]

    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            let why = FileManager.default.fileExists(atPath: path) ? "permission denied or unreadable" : "no such file"
            throw VisionError.unreadable(path: path, reason: why)
        }
        try self.init(bytes: [UInt8](data), path: path)
    }

    public init(bytes: [UInt8], path: String) throws {
        let r = FlatBufferReader(bytes: bytes, path: path)
        self.path = path
        self.bytes = bytes
        guard bytes.count >= 8 else { throw VisionError.truncated(path: path, offset: 0, what: "FlatBuffer header") }
        guard Array(bytes[4..<8]) == Array("TFL3".utf8) else {
            throw VisionError.wrongFormat(path: path, reason: "file identifier is not TFL3 (not a TFLite flatbuffer)")
        }
        let model = try r.root()
        let version = try r.uint32(model, 0, default: 0, "Model.version")
        guard version == 3 else {
            throw VisionError.wrongFormat(path: path, reason: "schema version \(version), expected 3")
        }
        // Operator codes: builtin = max(deprecated_builtin_code, builtin_code), as TFLite does.
        var codes: [Int32] = []
        for (i, oc) in try r.tableVector(model, 1, "Model.operator_codes").enumerated() {
            let deprecated = Int32(try r.int8(oc, 0, default: 0, "OperatorCode[\(i)].deprecated_builtin_code"))
            let builtin = try r.int32(oc, 3, default: 0, "OperatorCode[\(i)].builtin_code")
            if let custom = try r.string(oc, 1, "OperatorCode[\(i)].custom_code"), !custom.isEmpty {
                codes.append(-1000)   // custom operators are never supported
                continue
            }
            codes.append(max(deprecated, builtin))
        }
        // Buffers: inline data (field 0) or, for large models, offset/size from the file start.
        var ranges: [Range<Int>] = []
        for (i, b) in try r.tableVector(model, 4, "Model.buffers").enumerated() {
            if let (start, count) = try r.vector(b, 0, elementSize: 1, "Buffer[\(i)].data") {
                ranges.append(start..<(start + count))
                continue
            }
            let offset = try r.uint64(b, 1, default: 0, "Buffer[\(i)].offset")
            let size = try r.uint64(b, 2, default: 0, "Buffer[\(i)].size")
            if offset > 1 {
                guard offset <= UInt64(bytes.count), size <= UInt64(bytes.count) - offset else {
                    throw VisionError.truncated(path: path, offset: Int(min(offset, UInt64(bytes.count))),
                                                what: "Buffer[\(i)] (\(size) B at \(offset))")
                }
                ranges.append(Int(offset)..<Int(offset + size))
            } else {
                ranges.append(0..<0)
            }
        }
        bufferRanges = ranges
        let subgraphs = try r.tableVector(model, 2, "Model.subgraphs")
        guard let graph = subgraphs.first else {
            throw VisionError.wrongFormat(path: path, reason: "the model has no subgraph")
        }
        var tensors: [TFLiteTensor] = []
        for (i, t) in try r.tableVector(graph, 0, "SubGraph.tensors").enumerated() {
            let name = try r.string(t, 3, "Tensor[\(i)].name") ?? "tensor\(i)"
            let shape = try r.int32Vector(t, 0, "Tensor[\(i)].shape").map(Int.init)
            guard shape.allSatisfy({ $0 >= 0 && $0 <= 1 << 24 }), shape.count <= 6 else {
                throw VisionError.wrongFormat(path: path, reason: "tensor '\(name)' has an invalid shape \(shape)")
            }
            // element count without overflow, bounded (the models here hold at most ~150 k values per tensor)
            var elements = 1
            for d in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow, product <= TFLiteModel.maxElements else {
                    throw VisionError.wrongFormat(path: path, reason: "tensor '\(name)' \(shape) has more than "
                                                  + "\(TFLiteModel.maxElements) elements")
                }
                elements = product
            }
            let rawType = try r.int8(t, 1, default: 0, "Tensor[\(i)].type")
            guard let type = TFLiteType(rawValue: rawType) else {
                throw VisionError.wrongFormat(path: path, reason: "tensor '\(name)' has element type \(rawType) "
                                              + "(only float32, float16 and int32 are supported; quantised models are not)")
            }
            let buffer = Int(try r.uint32(t, 2, default: 0, "Tensor[\(i)].buffer"))
            guard buffer < ranges.count || (buffer == 0 && ranges.isEmpty) else {
                throw VisionError.wrongFormat(path: path, reason: "tensor '\(name)' refers to buffer \(buffer) of \(ranges.count)")
            }
            if buffer > 0, !ranges[buffer].isEmpty {
                guard ranges[buffer].count == elements * type.byteSize else {
                    throw VisionError.wrongFormat(path: path, reason: "tensor '\(name)' \(shape) needs "
                                                  + "\(elements * type.byteSize) B but its buffer has \(ranges[buffer].count) B")
                }
            }
            tensors.append(TFLiteTensor(name: name, shape: shape, type: type, buffer: buffer))
        }
        self.tensors = tensors
        func indices(_ v: [Int32], _ what: String, optional: Bool = false) throws -> [Int] {
            try v.map { i in
                if optional && i == -1 { return -1 }
                guard i >= 0, Int(i) < tensors.count else {
                    throw VisionError.wrongFormat(path: path, reason: "\(what) refers to tensor \(i) of \(tensors.count)")
                }
                return Int(i)
            }
        }
        inputs = try indices(try r.int32Vector(graph, 1, "SubGraph.inputs"), "SubGraph.inputs")
        outputs = try indices(try r.int32Vector(graph, 2, "SubGraph.outputs"), "SubGraph.outputs")
        var operators: [TFLiteOperator] = []
        for (i, op) in try r.tableVector(graph, 3, "SubGraph.operators").enumerated() {
            let codeIndex = Int(try r.uint32(op, 0, default: 0, "Operator[\(i)].opcode_index"))
            guard codeIndex < codes.count else {
                throw VisionError.wrongFormat(path: path, reason: "operator \(i) uses opcode \(codeIndex) of \(codes.count)")
            }
            guard let builtin = TFLiteBuiltin(rawValue: codes[codeIndex]) else {
                let code = codes[codeIndex]
                throw VisionError.unsupportedOperator(path: path, index: i,
                                                      name: code == -1000 ? "a custom operator" : "builtin code \(code)")
            }
            let ins = try indices(try r.int32Vector(op, 1, "Operator[\(i)].inputs"), "operator \(i) inputs", optional: true)
            let outs = try indices(try r.int32Vector(op, 2, "Operator[\(i)].outputs"), "operator \(i) outputs")
            let options = try Self.options(r, op, builtin, "Operator[\(i)] (\(builtin.name)) options")
            operators.append(TFLiteOperator(builtin: builtin, inputs: ins, outputs: outs, options: options))
        }
        self.operators = operators
    }

    /// Reads the builtin options table (field 4 of Operator) of the operators that have one.
    static func options(_ r: FlatBufferReader, _ op: FlatBufferReader.Table, _ builtin: TFLiteBuiltin,
                        _ what: String) throws -> TFLiteOptions {
        var o = TFLiteOptions()
        guard let t = try r.subtable(op, 4, what) else { return o }
        func padding(_ i: Int) throws -> TFLitePadding {
            let raw = try r.int8(t, i, default: 0, "\(what).padding")
            guard let p = TFLitePadding(rawValue: raw) else {
                throw VisionError.wrongFormat(path: r.path, reason: "\(what): padding \(raw) is neither SAME nor VALID")
            }
            return p
        }
        func activation(_ i: Int) throws -> TFLiteActivation {
            let raw = try r.int8(t, i, default: 0, "\(what).fused_activation_function")
            guard let a = TFLiteActivation(rawValue: raw) else {
                throw VisionError.wrongFormat(path: r.path, reason: "\(what): fused activation \(raw) is not supported")
            }
            return a
        }
        func int(_ i: Int, _ d: Int32, _ name: String) throws -> Int { Int(try r.int32(t, i, default: d, "\(what).\(name)")) }
        switch builtin {
        case .conv2d:   // padding, stride_w, stride_h, fused_activation_function, dilation_w, dilation_h
            o.padding = try padding(0)
            o.strideW = try int(1, 0, "stride_w"); o.strideH = try int(2, 0, "stride_h")
            o.activation = try activation(3)
            o.dilationW = try int(4, 1, "dilation_w_factor"); o.dilationH = try int(5, 1, "dilation_h_factor")
        case .depthwiseConv2d:   // padding, stride_w, stride_h, depth_multiplier, activation, dilations
            o.padding = try padding(0)
            o.strideW = try int(1, 0, "stride_w"); o.strideH = try int(2, 0, "stride_h")
            o.depthMultiplier = try int(3, 0, "depth_multiplier")
            o.activation = try activation(4)
            o.dilationW = try int(5, 1, "dilation_w_factor"); o.dilationH = try int(6, 1, "dilation_h_factor")
        case .maxPool2d:   // padding, stride_w, stride_h, filter_width, filter_height, activation
            o.padding = try padding(0)
            o.strideW = try int(1, 0, "stride_w"); o.strideH = try int(2, 0, "stride_h")
            o.filterW = try int(3, 0, "filter_width"); o.filterH = try int(4, 0, "filter_height")
            o.activation = try activation(5)
        case .concatenation:   // axis, fused_activation_function
            o.axis = try int(0, 0, "axis")
            o.activation = try activation(1)
        case .add:   // fused_activation_function
            o.activation = try activation(0)
        case .reshape:   // new_shape
            o.newShape = try r.int32Vector(t, 0, "\(what).new_shape").map(Int.init)
        case .dequantize, .relu, .pad, .prelu:
            break
        }
        return o
    }

    /// The constant data of tensor `index` as float32 (float16 converted), or nil for a run-time tensor.
    public func constantFloats(_ index: Int) -> [Float]? {
        let t = tensors[index]
        guard t.buffer > 0, t.buffer < bufferRanges.count else { return nil }
        let range = bufferRanges[t.buffer]
        guard !range.isEmpty else { return nil }
        return bytes.withUnsafeBytes { raw -> [Float]? in
            guard let start = raw.baseAddress, range.upperBound <= raw.count else { return nil }
            let base = start + range.lowerBound
            switch t.type {
            case .float32:
                return (0..<t.count).map { Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
            case .float16:
                return (0..<t.count).map { DType.halfToFloat(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) }
            case .int32:
                return (0..<t.count).map { Float(Int32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
            }
        }
    }

    /// The constant data of an int32 tensor (PAD's paddings), or nil.
    public func constantInts(_ index: Int) -> [Int]? {
        let t = tensors[index]
        guard t.type == .int32, t.buffer > 0, t.buffer < bufferRanges.count else { return nil }
        let range = bufferRanges[t.buffer]
        guard !range.isEmpty else { return nil }
        return bytes.withUnsafeBytes { raw -> [Int]? in
            guard let start = raw.baseAddress, range.upperBound <= raw.count else { return nil }
            let base = start + range.lowerBound
            return (0..<t.count).map { Int(Int32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
        }
    }
}
