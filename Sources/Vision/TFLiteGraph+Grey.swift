/// Grey input for the face graphs. The camera pipeline sees luma only and used to copy it into all
/// three input channels; a convolution over three equal channels is the same convolution over one
/// channel with its weights summed over the channels: W'[o, ky, kx, 0] = Σ_c W[o, ky, kx, c]. The
/// first convolution then reads a third of the input, builds a third of the im2col matrix and
/// multiplies by a third of the weights (BlazeFace: 5×5×3 → 5×5×1; FaceMesh: 3×3×3 → 3×3×1); every
/// later step is unchanged. Only the order of the additions changes (float rounding).
extension TFLiteGraph {
    /// Whether `run(grey:)` is available: the input is 1×H×W×3 and only non-pointwise
    /// convolutions read it.
    public var acceptsGrey: Bool { greySteps != nil }

    /// Runs the graph on a one-channel input (H·W values) as if each value were given in all three
    /// input channels of `run(_:)`.
    public func run(grey input: [Float]) throws -> [[Float]] {
        guard let list = greySteps, let grey = greyInput else {
            throw VisionError.badInput(what: "\(model.path) input", reason: "the graph cannot take a one-channel input")
        }
        let pixels = inputShape[1] * inputShape[2]
        guard input.count == pixels else {
            throw VisionError.badInput(what: "\(model.path) grey input",
                                       reason: "\(input.count) values given, the graph takes \(inputShape[1])×\(inputShape[2]) = \(pixels)")
        }
        grey.update(from: input, count: pixels)
        return runSteps(list)
    }

    /// Tensors a step reads.
    static func inputs(of step: Step) -> [Int] {
        switch step {
        case let .conv(x, w, b, _, _, _): return [x, w] + (b.map { [$0] } ?? [])
        case let .depthwise(x, w, b, _, _, _, _): return [x, w] + (b.map { [$0] } ?? [])
        case let .relu(x, _, _): return [x]
        case let .prelu(x, alpha, _, _, _): return [x, alpha]
        case let .add(a, b, _, _, _): return [a, b]
        case let .pad(x, _, _, _, _): return [x]
        case let .maxPool(x, _, _, _, _, _, _, _, _, _, _): return [x]
        case let .copy(x, _, _): return [x]
        case let .concat(xs, _, _, _): return xs
        case let .greyConv(_, b, _, _, _): return b.map { [$0] } ?? []
        case let .addPrelu(a, b, alpha, _, _, _): return [a, b, alpha]
        }
    }

    /// Plans `greySteps` when every reader of the input is a convolution with a window (a 1×1
    /// convolution reads the input as its matrix directly and is left to `run(_:)`).
    func planGrey() {
        let input = model.inputs[0]
        guard inputShape.count == 4, inputShape[0] == 1, inputShape[3] == 3 else { return }
        var list: [Step] = []
        var weights: [UnsafeMutablePointer<Float>] = []
        for step in steps {
            guard Self.inputs(of: step).contains(input) else { list.append(step); continue }
            guard case let .conv(x, w, b, y, shape, act) = step, x == input, w != input, b != input, !shape.isPointwise,
                  let single = [TFLitePadding.same, .valid].lazy.map({
                      Conv2DShape(inH: shape.inH, inW: shape.inW, inC: 1, outC: shape.outC, kernelH: shape.kernelH,
                                  kernelW: shape.kernelW, strideH: shape.strideH, strideW: shape.strideW, padding: $0)
                  }).first(where: { $0.window == shape.window }) else {
                for p in weights { p.deallocate() }
                return
            }
            // W (outC, kH, kW, 3) -> W' (outC, kH, kW, 1): summed over the input channels
            let taps = shape.outC * shape.kernelH * shape.kernelW
            let source = buffer(w)
            let summed = UnsafeMutablePointer<Float>.allocate(capacity: max(taps, 1))
            for k in 0..<taps { summed[k] = source[3 * k] + source[3 * k + 1] + source[3 * k + 2] }
            list.append(.greyConv(w: folded.count + weights.count, b: b, y: y, shape: single, act: act))
            weights.append(summed)
        }
        folded += weights
        let pixels = inputShape[1] * inputShape[2]
        let grey = UnsafeMutablePointer<Float>.allocate(capacity: max(pixels, 1))
        grey.initialize(repeating: 0, count: max(pixels, 1))
        greyInput = grey
        greySteps = list
    }
}
