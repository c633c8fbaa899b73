/// Runs the first subgraph of a `TFLiteModel` on the engine: NHWC float32, batch 1, every operator
/// shape-checked and planned at load (buffers allocated once, float16 constants dequantised once),
/// then executed in graph order. Values are named after the graph's tensors (`value(named:)`).
public final class TFLiteGraph {
    /// Which kernels the convolutions and pooling use: the fast ones or their naive twins.
    public enum KernelSet: Sendable { case fast, reference }

    enum Step {
        case conv(x: Int, w: Int, b: Int?, y: Int, shape: Conv2DShape, act: TFLiteActivation)
        case depthwise(x: Int, w: Int, b: Int?, y: Int, shape: Conv2DShape, act: TFLiteActivation, tiles: Int?)
        case relu(x: Int, y: Int, count: Int)
        case prelu(x: Int, alpha: Int, y: Int, pixels: Int, channels: Int)
        case add(a: Int, b: Int, y: Int, count: Int, act: TFLiteActivation)
        case pad(x: Int, y: Int, inShape: [Int], before: [Int], outShape: [Int])
        case maxPool(x: Int, y: Int, inH: Int, inW: Int, c: Int, fh: Int, fw: Int, sh: Int, sw: Int,
                     g: WindowGeometry, act: TFLiteActivation)
        case copy(x: Int, y: Int, count: Int)
        case concat(xs: [Int], y: Int, outer: Int, inner: [Int])
        /// The first convolution on a grey input (`run(grey:)`): `folded[w]` holds its weights
        /// summed over the three equal input channels, `shape` has one input channel.
        case greyConv(w: Int, b: Int?, y: Int, shape: Conv2DShape, act: TFLiteActivation)
        /// ADD then PRELU on its result, in one pass (`TFLiteGraph+Fusion.swift`).
        case addPrelu(a: Int, b: Int, alpha: Int, y: Int, pixels: Int, channels: Int)
    }

    public let model: TFLiteModel
    public let kernels: KernelSet
    public let inputShape: [Int]
    public let outputShapes: [[Int]]
    /// Buffers per tensor index (nil for tensors the graph never reads as float).
    var storage: [UnsafeMutablePointer<Float>?]
    var counts: [Int]
    var steps: [Step] = []
    var columns: UnsafeMutablePointer<Float>
    /// Row-tiled depthwise weights (stride-1 layers), indexed by the step's `tiles`.
    private var tiles: [UnsafeMutablePointer<Float>] = []
    var columnsCount = 0
    /// `steps` for a grey (one-channel) input, and what they need (`TFLiteGraph+Grey.swift`).
    var greySteps: [Step]?
    var greyInput: UnsafeMutablePointer<Float>?
    var folded: [UnsafeMutablePointer<Float>] = []
    /// When true, `run` adds each step's thread CPU time (seconds) to `stepSeconds` by operator name.
    public var profiling = false
    public private(set) var stepSeconds: [String: Double] = [:]
    /// Runs profiled into `stepSeconds`.
    public private(set) var profiledRuns = 0

    public convenience init(contentsOf path: String, kernels: KernelSet = .fast) throws {
        try self.init(model: try TFLiteModel(contentsOf: path), kernels: kernels)
    }

    public init(model: TFLiteModel, kernels: KernelSet = .fast) throws {
        // Checked before anything is allocated: a throw before every stored property is set
        // skips deinit (make fuzz: LeakSanitizer found `columns` leaked by a two-input graph).
        guard model.inputs.count == 1 else {
            throw VisionError.wrongFormat(path: model.path, reason: "expected 1 graph input, found \(model.inputs.count)")
        }
        // The shapes are declared, not backed by bytes of the file: a few hundred bytes can chain
        // tensors of 16 M floats each. Their total is bounded before any buffer exists.
        let activations = TFLiteGraph.activationFloats(model)
        guard activations <= TFLiteGraph.maxActivationFloats else {
            throw VisionError.wrongFormat(path: model.path, reason: TFLiteGraph.overBudget(activations, "its input and operator outputs"))
        }
        self.model = model
        self.kernels = kernels
        let tensors = model.tensors
        storage = Array(repeating: nil, count: tensors.count)
        counts = tensors.map { $0.count }
        columns = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        inputShape = tensors[model.inputs[0]].shape
        outputShapes = model.outputs.map { tensors[$0].shape }
        try plan()
    }

    /// Most floats the planned buffers of one graph may hold (its input, every operator output
    /// and the convolution scratch): 2^25 (128 MB). Each tensor is bounded on its own
    /// (`TFLiteModel.maxElements`); the face models need a small fraction of this.
    public static let maxActivationFloats = 1 << 25

    /// Floats of the tensors `plan` allocates from their declared shapes: the graph input and every
    /// operator output, each counted once.
    public static func activationFloats(_ model: TFLiteModel) -> Int {
        var seen = Set<Int>()
        var total = 0
        for i in model.inputs + model.operators.flatMap(\.outputs) where i >= 0 && i < model.tensors.count {
            if seen.insert(i).inserted { total += model.tensors[i].count }
        }
        return total
    }

    static func overBudget(_ floats: Int, _ what: String) -> String {
        "the graph needs \(floats) floats (\(floats >> 18) MB) for \(what), more than the \(maxActivationFloats) a face model may use: the file is damaged or not one of the face models; fetch them again with scripts/fetch-models faces"
    }

    deinit {
        for p in storage { p?.deallocate() }
        for p in tiles { p.deallocate() }
        for p in folded { p.deallocate() }
        greyInput?.deallocate()
        columns.deallocate()
    }

    func buffer(_ i: Int) -> UnsafeMutablePointer<Float> {
        if let p = storage[i] { return p }
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(counts[i], 1))
        p.initialize(repeating: 0, count: max(counts[i], 1))
        storage[i] = p
        return p
    }

    func isConstant(_ i: Int) -> Bool {
        let t = model.tensors[i]
        return t.buffer > 0 && t.buffer < model.bufferRanges.count && !model.bufferRanges[t.buffer].isEmpty
    }

    /// Shape checks, constant folding (DEQUANTIZE of constants) and buffer allocation.
    private func plan() throws {
        let t = model.tensors
        var folded = Set<Int>()
        var known = Set<Int>(model.inputs)   // run-time tensors computed so far
        func fail(_ i: Int, _ op: TFLiteBuiltin, _ reason: String) -> VisionError {
            .shapeMismatch(path: model.path, operatorIndex: i, op: op.name, reason: reason)
        }
        func desc(_ k: Int) -> String { "'\(t[k].name)' \(t[k].shape)" }
        for (i, op) in model.operators.enumerated() {
            let ins = op.inputs, outs = op.outputs
            func need(_ n: Int) throws {
                guard ins.count >= n, outs.count == 1, ins.prefix(n).allSatisfy({ $0 >= 0 }) else {
                    throw fail(i, op.builtin, "expected \(n) inputs and 1 output, found \(ins.count) and \(outs.count)")
                }
            }
            // A float input: a constant (loaded), a folded constant, or a value computed before.
            func floatInput(_ k: Int) throws -> Int {
                if folded.contains(k) || known.contains(k) { return k }
                if isConstant(k), t[k].type == .float32 {
                    if storage[k] == nil, let values = model.constantFloats(k) {
                        buffer(k).update(from: values, count: values.count)
                    }
                    folded.insert(k)
                    return k
                }
                throw fail(i, op.builtin, "input \(desc(k)) is neither a float32 constant nor computed by an earlier operator")
            }
            func output(_ expected: [Int]) throws -> Int {
                let y = outs[0]
                guard t[y].shape == expected else {
                    throw fail(i, op.builtin, "output \(desc(y)) but the inputs give \(expected)")
                }
                guard t[y].type == .float32 else { throw fail(i, op.builtin, "output \(desc(y)) is not float32") }
                known.insert(y)
                _ = buffer(y)
                return y
            }
            func nhwc(_ k: Int) throws -> (h: Int, w: Int, c: Int) {
                let s = t[k].shape
                guard s.count == 4, s[0] == 1 else { throw fail(i, op.builtin, "input \(desc(k)) is not 1×H×W×C") }
                return (s[1], s[2], s[3])
            }
            let o = op.options
            switch op.builtin {
            case .dequantize:
                try need(1)
                let x = ins[0], y = outs[0]
                guard isConstant(x), t[x].type == .float16 || t[x].type == .float32 else {
                    throw fail(i, op.builtin, "only constant float16 inputs are supported, found \(desc(x))")
                }
                guard t[y].shape == t[x].shape else { throw fail(i, op.builtin, "output \(desc(y)) ≠ input \(desc(x))") }
                guard let values = model.constantFloats(x) else { throw fail(i, op.builtin, "input \(desc(x)) has no data") }
                buffer(y).update(from: values, count: values.count)
                folded.insert(y)
            case .conv2d, .depthwiseConv2d:
                try need(2)
                let x = try floatInput(ins[0]), w = try floatInput(ins[1])
                let b = ins.count > 2 && ins[2] >= 0 ? try floatInput(ins[2]) : nil
                let (h, wd, c) = try nhwc(x)
                let ws = t[w].shape
                guard ws.count == 4 else { throw fail(i, op.builtin, "weight \(desc(w)) is not 4-D") }
                // An empty dimension gives sgemm a zero inner size and leading dimension, which the
                // checked BLAS refuses by aborting (found by `make fuzz`, target tflite).
                guard h >= 1, wd >= 1, c >= 1, ws.allSatisfy({ $0 >= 1 }) else {
                    throw fail(i, op.builtin, "input \(desc(x)) or weight \(desc(w)) has an empty dimension")
                }
                guard (1...64).contains(o.strideH), (1...64).contains(o.strideW), o.dilationH == 1, o.dilationW == 1 else {
                    throw fail(i, op.builtin, "strides \(o.strideH)×\(o.strideW) / dilations \(o.dilationH)×\(o.dilationW) not supported")
                }
                let depthwise = op.builtin == .depthwiseConv2d
                if depthwise {
                    guard ws[0] == 1, ws[3] == c, o.depthMultiplier <= 1 else {
                        throw fail(i, op.builtin, "weight \(desc(w)) does not match input \(desc(x)) (depth multiplier 1 only)")
                    }
                } else {
                    guard ws[3] == c else { throw fail(i, op.builtin, "weight \(desc(w)) has \(ws[3]) input channels, input \(desc(x)) has \(c)") }
                }
                let outC = depthwise ? c : ws[0]
                if let b { guard t[b].count == outC else { throw fail(i, op.builtin, "bias \(desc(b)) ≠ \(outC) channels") } }
                let shape = Conv2DShape(inH: h, inW: wd, inC: c, outC: outC, kernelH: ws[1], kernelW: ws[2],
                                        strideH: o.strideH, strideW: o.strideW, padding: o.padding)
                guard shape.window.outH * shape.window.outW <= TFLiteModel.maxElements,
                      ws[1] * ws[2] * c <= TFLiteModel.maxElements,
                      shape.window.outH * shape.window.outW * ws[1] * ws[2] * c <= 4 * TFLiteModel.maxElements else {
                    throw fail(i, op.builtin, "window \(ws[1])×\(ws[2]) over \(desc(x)) is too large")
                }
                let y = try output([1, shape.window.outH, shape.window.outW, outC])
                if depthwise {
                    var tileIndex: Int?
                    if shape.strideW == 1, kernels == .fast, !VisionKernels.simd {   // the Swift kernel's row tiles
                        let tiled = VisionKernels.depthwiseTiles(weight: buffer(w), shape)
                        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(tiled.count, 1))
                        p.initialize(from: tiled, count: tiled.count)
                        tileIndex = tiles.count
                        tiles.append(p)
                    }
                    steps.append(.depthwise(x: x, w: w, b: b, y: y, shape: shape, act: o.activation, tiles: tileIndex))
                } else {
                    columnsCount = max(columnsCount, shape.isPointwise && kernels == .fast ? 0 : shape.columnsCount,
                                       shape.isPointwise ? 0 : VisionKernels.directPackedCount(shape))
                    steps.append(.conv(x: x, w: w, b: b, y: y, shape: shape, act: o.activation))
                }
            case .relu:
                try need(1)
                let x = try floatInput(ins[0])
                let y = try output(t[x].shape)
                steps.append(.relu(x: x, y: y, count: counts[x]))
            case .prelu:
                try need(2)
                let x = try floatInput(ins[0]), alpha = try floatInput(ins[1])
                let channels = t[x].shape.last ?? 1
                guard counts[alpha] == channels else {
                    throw fail(i, op.builtin, "slope \(desc(alpha)) must have one value per channel of \(desc(x))")
                }
                let y = try output(t[x].shape)
                steps.append(.prelu(x: x, alpha: alpha, y: y, pixels: counts[x] / max(channels, 1), channels: channels))
            case .add:
                try need(2)
                let a = try floatInput(ins[0]), b = try floatInput(ins[1])
                guard t[a].shape == t[b].shape else { throw fail(i, op.builtin, "operands \(desc(a)) and \(desc(b)) differ (no broadcasting)") }
                let y = try output(t[a].shape)
                steps.append(.add(a: a, b: b, y: y, count: counts[a], act: o.activation))
            case .pad:
                try need(2)
                let x = try floatInput(ins[0])
                guard let pads = model.constantInts(ins[1]), pads.count == 2 * t[x].shape.count, pads.allSatisfy({ $0 >= 0 }) else {
                    throw fail(i, op.builtin, "paddings \(desc(ins[1])) must be a constant int32 (rank, 2) ≥ 0 for \(desc(x))")
                }
                let rank = t[x].shape.count
                guard rank <= 4 else { throw fail(i, op.builtin, "rank \(rank) > 4") }
                let inShape = Array(repeating: 1, count: 4 - rank) + t[x].shape
                let before = Array(repeating: 0, count: 4 - rank) + (0..<rank).map { pads[2 * $0] }
                let after = (0..<rank).map { pads[2 * $0 + 1] }
                let outShape = (0..<rank).map { t[x].shape[$0] + pads[2 * $0] + after[$0] }
                let y = try output(outShape)
                steps.append(.pad(x: x, y: y, inShape: inShape, before: before, outShape: Array(repeating: 1, count: 4 - rank) + outShape))
            case .maxPool2d:
                try need(1)
                let x = try floatInput(ins[0])
                let (h, w, c) = try nhwc(x)
                guard (1...64).contains(o.filterH), (1...64).contains(o.filterW),
                      (1...64).contains(o.strideH), (1...64).contains(o.strideW) else {
                    throw fail(i, op.builtin, "filter \(o.filterH)×\(o.filterW) stride \(o.strideH)×\(o.strideW) invalid")
                }
                let g = WindowGeometry(inH: h, inW: w, kernelH: o.filterH, kernelW: o.filterW,
                                       strideH: o.strideH, strideW: o.strideW, padding: o.padding)
                let y = try output([1, g.outH, g.outW, c])
                steps.append(.maxPool(x: x, y: y, inH: h, inW: w, c: c, fh: o.filterH, fw: o.filterW,
                                      sh: o.strideH, sw: o.strideW, g: g, act: o.activation))
            case .reshape:
                guard ins.count >= 1, ins[0] >= 0, outs.count == 1 else { throw fail(i, op.builtin, "expected 1 input and 1 output") }
                let x = try floatInput(ins[0])
                let declared = t[outs[0]].shape
                guard declared.reduce(1, *) == counts[x] else {
                    throw fail(i, op.builtin, "cannot reshape \(desc(x)) (\(counts[x]) values) to \(declared)")
                }
                let y = try output(declared)
                steps.append(.copy(x: x, y: y, count: counts[x]))
            case .concatenation:
                guard ins.count >= 1, outs.count == 1 else { throw fail(i, op.builtin, "expected inputs and 1 output") }
                let xs = try ins.map { try floatInput($0) }
                let rank = t[xs[0]].shape.count
                let axis = o.axis < 0 ? o.axis + rank : o.axis
                guard axis >= 0, axis < rank else { throw fail(i, op.builtin, "axis \(o.axis) outside rank \(rank)") }
                var outShape = t[xs[0]].shape
                outShape[axis] = 0
                for x in xs {
                    var s = t[x].shape
                    guard s.count == rank else { throw fail(i, op.builtin, "inputs of different rank (\(desc(x)))") }
                    outShape[axis] += s[axis]
                    s[axis] = outShape[axis]
                    var expect = outShape
                    expect[axis] = s[axis]
                    guard s == expect else { throw fail(i, op.builtin, "input \(desc(x)) differs off axis \(axis)") }
                }
                let y = try output(outShape)
                let outer = outShape[..<axis].reduce(1, *)
                steps.append(.concat(xs: xs, y: y, outer: outer, inner: xs.map { t[$0].shape[axis...].reduce(1, *) }))
            }
        }
        for out in model.outputs where !known.contains(out) {
            throw VisionError.wrongFormat(path: model.path, reason: "graph output '\(t[out].name)' is computed by no operator")
        }
        let planned = Self.activationFloats(model) + columnsCount
        guard planned <= Self.maxActivationFloats else {
            throw VisionError.wrongFormat(path: model.path, reason: Self.overBudget(planned, "its tensors and the convolution scratch"))
        }
        fuseAddPrelu()
        planGrey()
        columns.deallocate()
        columns = UnsafeMutablePointer<Float>.allocate(capacity: max(columnsCount, 1))
        _ = buffer(model.inputs[0])
    }

    /// Runs the graph on `input` (the input tensor's element count, NHWC) and returns the outputs
    /// in graph order.
    public func run(_ input: [Float]) throws -> [[Float]] {
        let inIndex = model.inputs[0]
        guard input.count == counts[inIndex] else {
            throw VisionError.badInput(what: "\(model.path) input '\(model.tensors[inIndex].name)'",
                                       reason: "\(input.count) values given, the graph takes \(inputShape) = \(counts[inIndex])")
        }
        buffer(inIndex).update(from: input, count: input.count)
        return runSteps(steps)
    }

    /// Executes `list` in order (profiled when `profiling`) and returns the graph's outputs.
    func runSteps(_ list: [Step]) -> [[Float]] {
        if profiling {
            profiledRuns += 1
            for step in list {
                let t0 = ThreadCPUTime.now()
                execute(step)
                stepSeconds[Self.kind(step), default: 0] += ThreadCPUTime.now() - t0
            }
        } else {
            for step in list { execute(step) }
        }
        return model.outputs.map { Array(UnsafeBufferPointer(start: buffer($0), count: counts[$0])) }
    }

    /// The last computed value of the tensor with this graph name (for inspection and tests).
    public func value(named name: String) -> [Float]? {
        guard let i = model.tensors.firstIndex(where: { $0.name == name }), let p = storage[i] else { return nil }
        return Array(UnsafeBufferPointer(start: p, count: counts[i]))
    }

    /// The fast convolution: the direct AVX2 kernel for a few taps per output (a first layer),
    /// else im2col + sgemm (`VisionKernels.conv2d`).
    private func conv(_ x: UnsafePointer<Float>, _ shape: Conv2DShape, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                      into y: UnsafeMutablePointer<Float>) {
        if VisionKernels.simd, !shape.isPointwise, VisionKernels.directPackedCount(shape) <= columnsCount,
           VisionKernels.conv2dDirectSIMD(x, shape, weight: weight, bias: bias, packed: columns, into: y) {
            return
        }
        VisionKernels.conv2d(x, shape, weight: weight, bias: bias, columns: columns, into: y)
    }

    /// `stepSeconds` per profiled run, slowest operator first: "CONV_2D 1x1 2.10, …" (ms).
    public var profileSummary: String {
        let runs = Double(max(profiledRuns, 1))
        let total = stepSeconds.values.reduce(0, +) / runs * 1000
        return String(format: "%.2f ms per run (%d runs); ", total, profiledRuns)
            + stepSeconds.sorted { $0.value > $1.value }.map { String(format: "%@ %.2f", $0.key, $0.value / runs * 1000) }
                .joined(separator: ", ")
    }

    static func kind(_ step: Step) -> String {
        switch step {
        case let .conv(_, _, _, _, shape, _): return shape.isPointwise ? "CONV_2D 1x1" : "CONV_2D \(shape.kernelH)x\(shape.kernelW)"
        case .depthwise: return "DEPTHWISE_CONV_2D"
        case .relu: return "RELU"
        case .prelu: return "PRELU"
        case .add: return "ADD"
        case .pad: return "PAD"
        case .maxPool: return "MAX_POOL_2D"
        case .copy: return "RESHAPE"
        case .concat: return "CONCATENATION"
        case let .greyConv(_, _, _, shape, _): return "CONV_2D \(shape.kernelH)x\(shape.kernelW) grey"
        case .addPrelu: return "ADD+PRELU"
        }
    }

    func execute(_ step: Step) {
        let fast = kernels == .fast
        switch step {
        case let .conv(x, w, b, y, shape, act):
            let bias = b.map { UnsafePointer(buffer($0)) }
            if fast {
                conv(buffer(x), shape, weight: buffer(w), bias: bias, into: buffer(y))
            } else {
                VisionReferenceKernels.conv2d(buffer(x), shape, weight: buffer(w), bias: bias, columns: columns, into: buffer(y))
            }
            VisionKernels.activate(buffer(y), count: counts[y], act)
        case let .depthwise(x, w, b, y, shape, act, tileIndex):
            let bias = b.map { UnsafePointer(buffer($0)) }
            if fast && VisionKernels.simd {
                VisionKernels.depthwiseConv2dSIMD(buffer(x), shape, weight: buffer(w), bias: bias, into: buffer(y))
            } else if fast {
                VisionKernels.depthwiseConv2d(buffer(x), shape, weight: buffer(w), bias: bias,
                                              tiled: tileIndex.map { UnsafePointer(tiles[$0]) }, into: buffer(y))
            } else {
                VisionReferenceKernels.depthwiseConv2d(buffer(x), shape, weight: buffer(w), bias: bias, into: buffer(y))
            }
            VisionKernels.activate(buffer(y), count: counts[y], act)
        case let .relu(x, y, count):
            let src = buffer(x), dst = buffer(y)
            for k in 0..<count { dst[k] = max(src[k], 0) }
        case let .prelu(x, alpha, y, pixels, channels):
            VisionKernels.prelu(buffer(x), pixels: pixels, channels: channels, alpha: buffer(alpha), into: buffer(y))
        case let .add(a, b, y, count, act):
            let pa = buffer(a), pb = buffer(b), dst = buffer(y)
            for k in 0..<count { dst[k] = pa[k] + pb[k] }
            VisionKernels.activate(dst, count: count, act)
        case let .addPrelu(a, b, alpha, y, pixels, channels):
            let pa = buffer(a), pb = buffer(b), slope = buffer(alpha), dst = buffer(y)
            if VisionKernels.simd { return VisionKernels.addPreluSIMD(pa, pb, alpha: slope, pixels: pixels, channels: channels, into: dst) }
            for p in 0..<pixels {   // as `add` then `VisionKernels.prelu`, without the pass in between
                let o = p * channels
                for ch in 0..<channels { let v = pa[o + ch] + pb[o + ch]; dst[o + ch] = max(v, 0) + slope[ch] * min(v, 0) }
            }
        case let .pad(x, y, s, before, o):
            let src = buffer(x), dst = buffer(y)
            let c = s[3], oc = o[3], lead = before[3]
            if fast && before[0] == 0 && before[1] == 0 && before[2] == 0 && o[0] == s[0] && o[1] == s[1] && o[2] == s[2] {
                // channels only (FaceMesh's stride-2 blocks): per pixel the values, zeros around them
                let tail = oc - c - lead
                for p in 0..<(s[0] * s[1] * s[2]) {
                    let from = src + p * c, to = dst + p * oc
                    for k in 0..<lead { to[k] = 0 }
                    for k in 0..<c { to[lead + k] = from[k] }
                    for k in 0..<tail { to[lead + c + k] = 0 }
                }
                return
            }
            dst.update(repeating: 0, count: counts[y])
            for n in 0..<s[0] {
                for h in 0..<s[1] {
                    if c == oc {   // whole rows are contiguous in both
                        let from = src + (n * s[1] + h) * s[2] * c
                        let to = dst + (((n + before[0]) * o[1] + h + before[1]) * o[2] + before[2]) * oc
                        to.update(from: from, count: s[2] * c)
                        continue
                    }
                    for w in 0..<s[2] {
                        let from = src + ((n * s[1] + h) * s[2] + w) * s[3]
                        let to = dst + (((n + before[0]) * o[1] + h + before[1]) * o[2] + w + before[2]) * o[3] + before[3]
                        to.update(from: from, count: s[3])
                    }
                }
            }
        case let .maxPool(x, y, inH, inW, c, fh, fw, sh, sw, g, act):
            if fast {
                VisionKernels.maxPool2d(buffer(x), inH: inH, inW: inW, channels: c, filterH: fh, filterW: fw,
                                        strideH: sh, strideW: sw, window: g, into: buffer(y))
            } else {
                VisionReferenceKernels.maxPool2d(buffer(x), inH: inH, inW: inW, channels: c, filterH: fh, filterW: fw,
                                                 strideH: sh, strideW: sw, window: g, into: buffer(y))
            }
            VisionKernels.activate(buffer(y), count: counts[y], act)
        case let .copy(x, y, count):
            buffer(y).update(from: buffer(x), count: count)
        case let .greyConv(w, b, y, shape, act):
            guard let grey = greyInput else { return }
            let bias = b.map { UnsafePointer(buffer($0)) }
            if fast {
                conv(grey, shape, weight: folded[w], bias: bias, into: buffer(y))
            } else {
                VisionReferenceKernels.conv2d(grey, shape, weight: folded[w], bias: bias, columns: columns, into: buffer(y))
            }
            VisionKernels.activate(buffer(y), count: counts[y], act)
        case let .concat(xs, y, outer, inner):
            let dst = buffer(y)
            let total = inner.reduce(0, +)
            var offset = 0
            for (k, x) in xs.enumerated() {
                let src = buffer(x)
                for o in 0..<outer { (dst + o * total + offset).update(from: src + o * inner[k], count: inner[k]) }
                offset += inner[k]
            }
        }
    }
}
