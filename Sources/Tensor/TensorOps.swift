/// Shape-checked operations on `Tensor` values, over the fast kernels. Convenient for callers that
/// do not manage buffers (training, tests, small models); the Whisper hot path uses `Kernels`.
public extension Tensor {
    /// x·Wᵀ + b. self: (…, in), weight: (out, in), bias: (out) -> (…, out).
    func linear(weight: Tensor, bias: Tensor? = nil) throws -> Tensor {
        guard weight.rank == 2, rank >= 1, columns == weight.shape[1], bias.map({ $0.shape == [weight.shape[0]] }) ?? true else {
            throw TensorError.shapeMismatch(operation: "linear", reason: "input \(shape), weight \(weight.shape), bias \(bias?.shape ?? [])")
        }
        let out = weight.shape[0], n = rows
        var y = Tensor(zeros: Array(shape.dropLast()) + [out])
        data.withUnsafeBufferPointer { x in
            weight.data.withUnsafeBufferPointer { w in
                y.data.withUnsafeMutableBufferPointer { yb in
                    if let bias {
                        bias.data.withUnsafeBufferPointer { b in
                            Kernels.linear(x.baseAddress!, rows: n, inFeatures: columns, weight: w.baseAddress!,
                                           outFeatures: out, bias: b.baseAddress!, into: yb.baseAddress!)
                        }
                    } else {
                        Kernels.linear(x.baseAddress!, rows: n, inFeatures: columns, weight: w.baseAddress!,
                                       outFeatures: out, bias: nil, into: yb.baseAddress!)
                    }
                }
            }
        }
        return y
    }

    /// conv1d. self: (inChannels, length), weight: (out, in, kernel), bias: (out) -> (outLength, out).
    func conv1d(weight: Tensor, bias: Tensor?, stride: Int, padding: Int) throws -> Tensor {
        guard rank == 2, weight.rank == 3, weight.shape[1] == shape[0], stride > 0, padding >= 0,
              bias.map({ $0.shape == [weight.shape[0]] }) ?? true else {
            throw TensorError.shapeMismatch(operation: "conv1d", reason: "input \(shape), weight \(weight.shape), bias \(bias?.shape ?? []), stride \(stride), padding \(padding)")
        }
        let (cin, length, cout, k) = (shape[0], shape[1], weight.shape[0], weight.shape[2])
        let outLength = Kernels.convOutputLength(length, kernel: k, stride: stride, padding: padding)
        var y = Tensor(zeros: [outLength, cout])
        var columns = [Float](repeating: 0, count: max(1, outLength * cin * k))
        let b = bias?.data
        data.withUnsafeBufferPointer { x in
            weight.data.withUnsafeBufferPointer { w in
                y.data.withUnsafeMutableBufferPointer { yb in
                    Kernels.conv1d(x.baseAddress!, layout: .channelsFirst, inChannels: cin, length: length,
                                   weight: w.baseAddress!, bias: b, outChannels: cout, kernel: k, stride: stride,
                                   padding: padding, columns: &columns, into: yb.baseAddress!)
                }
            }
        }
        return y
    }

    /// Layer norm over the last dimension; gamma, beta: (columns).
    func layerNorm(gamma: Tensor, beta: Tensor, epsilon: Float = 1e-5) throws -> Tensor {
        guard gamma.shape == [columns], beta.shape == [columns] else {
            throw TensorError.shapeMismatch(operation: "layerNorm", reason: "input \(shape), gamma \(gamma.shape), beta \(beta.shape)")
        }
        var y = self
        let (n, c) = (rows, columns)
        y.data.withUnsafeMutableBufferPointer { yb in
            Kernels.layerNorm(yb.baseAddress!, rows: n, width: c, gamma: gamma.data, beta: beta.data, epsilon: epsilon,
                              into: yb.baseAddress!)
        }
        return y
    }

    /// Exact GELU, elementwise.
    func gelu() -> Tensor {
        var y = self
        let n = count
        y.data.withUnsafeMutableBufferPointer { Kernels.gelu($0.baseAddress!, count: n) }
        return y
    }

    /// Softmax over the last dimension.
    func softmax() -> Tensor {
        var y = self
        let (n, c) = (rows, columns)
        y.data.withUnsafeMutableBufferPointer { Kernels.softmax($0.baseAddress!, rows: n, width: c) }
        return y
    }

    /// Elementwise sum of two tensors of the same shape.
    static func + (a: Tensor, b: Tensor) throws -> Tensor {
        guard a.shape == b.shape else {
            throw TensorError.shapeMismatch(operation: "add", reason: "shapes \(a.shape) and \(b.shape) differ")
        }
        var y = a
        let n = a.count
        y.data.withUnsafeMutableBufferPointer { Kernels.add($0.baseAddress!, b.data, count: n) }
        return y
    }
}
