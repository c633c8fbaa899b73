#if canImport(Glibc)
import Glibc
#endif

/// Fast kernels over raw row-major buffers, backed by OpenBLAS. Each one has a naive twin in
/// `ReferenceKernels` with the same signature; TensorTests compares them on random shapes.
public enum Kernels {
    /// y = x·Wᵀ + b. x: (rows, inFeatures), W: (outFeatures, inFeatures), b: (outFeatures) or nil,
    /// y: (rows, outFeatures). One row uses sgemv, several use sgemm; large products are split
    /// over the engine's threads (rows for sgemm, output features for sgemv), OpenBLAS running
    /// single-threaded inside each part.
    public static func linear(_ x: UnsafePointer<Float>, rows: Int, inFeatures: Int,
                              weight: UnsafePointer<Float>, outFeatures: Int, bias: UnsafePointer<Float>?,
                              into y: UnsafeMutablePointer<Float>) {
        guard rows > 0, outFeatures > 0 else { return }
        let threads = rows * outFeatures * inFeatures >= parallelProducts ? BLASThreads.count : 1
        if rows == 1 {
            WorkerPool.chunks(outFeatures, workers: min(threads, outFeatures / 64 + 1)) { part in
                let y0 = y + part.lowerBound
                if let bias { y0.update(from: bias + part.lowerBound, count: part.count) }
                // y[part] = W[part] (part, in) · x (in); W from row part.lowerBound of (out, in)
                CheckedBLAS.sgemv(m: part.count, n: inFeatures,
                                  a: .init(weight + part.lowerBound * inFeatures, (outFeatures - part.lowerBound) * inFeatures),
                                  lda: inFeatures, x: .init(x, inFeatures), beta: bias == nil ? 0 : 1,
                                  y: .init(y0, outFeatures - part.lowerBound))
            }
            return
        }
        WorkerPool.chunks(rows, workers: min(threads, rows / 16 + 1)) { part in
            // rows part of x (rows, in) and y (rows, out); the whole W
            gemm(.init(x + part.lowerBound * inFeatures, (rows - part.lowerBound) * inFeatures), rows: part.count,
                 inFeatures: inFeatures, weight: .init(weight, outFeatures * inFeatures), ldw: inFeatures,
                 outFeatures: outFeatures, bias: bias,
                 into: .init(y + part.lowerBound * outFeatures, (rows - part.lowerBound) * outFeatures), ldy: outFeatures)
        }
    }

    /// Multiply-adds (rows × out × in) from which `linear` spreads the work over threads.
    static let parallelProducts = 1 << 18

    /// y (rows, out; row stride ldy) = x (rows, in) · Wᵀ (W: (out, in), row stride ldw) + b, on the
    /// calling thread.
    /// x, weight and y are the buffers the caller owns from those pointers (checked by `CheckedBLAS`).
    static func gemm(_ x: UnsafeBufferPointer<Float>, rows: Int, inFeatures: Int, weight: UnsafeBufferPointer<Float>,
                     ldw: Int, outFeatures: Int, bias: UnsafePointer<Float>?, into y: UnsafeMutableBufferPointer<Float>,
                     ldy: Int) {
        if let bias, let y0 = y.baseAddress, CExtent.matrix(rows: rows, columns: outFeatures, ld: ldy) <= y.count {
            for r in 0..<rows { (y0 + r * ldy).update(from: bias, count: outFeatures) }
        }
        CheckedBLAS.sgemm(transB: true, m: rows, n: outFeatures, k: inFeatures, a: x, lda: inFeatures, b: weight,
                          ldb: ldw, beta: bias == nil ? 0 : 1, c: y, ldc: ldy)
    }

    /// Layout of a conv1d input: (channels, time) or (time, channels).
    public enum ConvLayout: Sendable { case channelsFirst, timeFirst }

    /// Output length of a conv1d: (length + 2·padding − kernel) / stride + 1.
    public static func convOutputLength(_ length: Int, kernel: Int, stride: Int, padding: Int) -> Int {
        max(0, (length + 2 * padding - kernel) / stride + 1)
    }

    /// conv1d as Whisper uses it, by im2col + sgemm. x: (inChannels, length) or (length, inChannels)
    /// per `layout`; weight: (outChannels, inChannels, kernel); bias: (outChannels);
    /// y: (outLength, outChannels) time-major. `columns` is scratch of outLength × inChannels·kernel.
    public static func conv1d(_ x: UnsafePointer<Float>, layout: ConvLayout, inChannels: Int, length: Int,
                              weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outChannels: Int,
                              kernel: Int, stride: Int, padding: Int,
                              columns: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        let outLength = convOutputLength(length, kernel: kernel, stride: stride, padding: padding)
        let width = inChannels * kernel
        // columns: (outLength, inChannels·kernel); columns[t, c·K + k] = x[c, t·s + k − p]
        // (rows on the engine's threads: copies only)
        ParallelChunks.run(count: outLength, elementsPerItem: width) { part in
            for t in part {
                let row = columns + t * width
                for k in 0..<kernel {
                    let src = t * stride + k - padding
                    if src < 0 || src >= length {
                        for c in 0..<inChannels { row[c * kernel + k] = 0 }
                    } else if layout == .channelsFirst {
                        for c in 0..<inChannels { row[c * kernel + k] = x[c * length + src] }
                    } else {
                        let xs = x + src * inChannels
                        for c in 0..<inChannels { row[c * kernel + k] = xs[c] }
                    }
                }
            }
        }
        // y (outLength, out) = columns (outLength, in·K) · Wᵀ (in·K, out)
        linear(UnsafePointer(columns), rows: outLength, inFeatures: width, weight: weight,
               outFeatures: outChannels, bias: bias, into: y)
    }

    /// Layer normalisation over the last dimension. x, y: (rows, width); gamma, beta: (width).
    /// x and y may be the same buffer.
    public static func layerNorm(_ x: UnsafePointer<Float>, rows: Int, width: Int, gamma: UnsafePointer<Float>,
                                 beta: UnsafePointer<Float>, epsilon: Float = 1e-5,
                                 into y: UnsafeMutablePointer<Float>) {
        let n = Float(width)
        // Rows on the engine's threads (the encoder's 1500): each row's sums in the same order.
        ParallelChunks.run(count: rows, elementsPerItem: width) { part in
            for r in part {
                let xr = x + r * width, yr = y + r * width
                var sum: Float = 0
                for i in 0..<width { sum += xr[i] }
                let mean = sum / n
                var sq: Float = 0
                for i in 0..<width { let d = xr[i] - mean; sq += d * d }
                let inv = 1 / (sq / n + epsilon).squareRoot()
                for i in 0..<width { yr[i] = (xr[i] - mean) * inv * gamma[i] + beta[i] }
            }
        }
    }

    /// Exact GELU in place: x · ½ · (1 + erf(x / √2)), erf by `VectorMath.erf` (8 lanes).
    /// AVX2 + FMA (`cvk_gelu`) when the CPU has it (`VectorExtensions`).
    public static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let s: Float = 0.70710678118654752
        let vector = VectorExtensions.enabled
        ParallelChunks.run(count: count, elementsPerItem: 1) { range in
            if vector { CheckedKernels.gelu(.init(x + range.lowerBound, count - range.lowerBound), count: range.count); return }
            let p = x + range.lowerBound, n = range.count
            var i = 0
            while i + VectorMath.lanes <= n {
                let v = VectorMath.load(p + i)
                VectorMath.store(0.5 * v * (1 + VectorMath.erf(v * s)), p + i)
                i += VectorMath.lanes
            }
            if i < n {
                let v = VectorMath.loadPartial(p + i, n - i, fill: 0)
                VectorMath.storePartial(0.5 * v * (1 + VectorMath.erf(v * s)), p + i, n - i)
            }
        }
    }

    /// Softmax over each row of (rows, width), in place. AVX2 + FMA (`cvk_softmax_rows`) when the
    /// CPU has it (`VectorExtensions`).
    public static func softmax(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        let vector = VectorExtensions.enabled
        ParallelChunks.run(count: rows, elementsPerItem: width) { range in
            if vector {
                CheckedKernels.softmaxRows(.init(x + range.lowerBound * width, (rows - range.lowerBound) * width),
                                           rows: range.count, width: width)
                return
            }
            for r in range { softmaxRow(x + r * width, width: width) }
        }
    }

    /// One row: max, exp(x − max) and its sum, scale — 8 lanes at a time (`VectorMath.exp`).
    @inline(__always)
    private static func softmaxRow(_ xr: UnsafeMutablePointer<Float>, width: Int) {
        let lanes = VectorMath.lanes, full = width - width % lanes, rest = width - full
        var mv = VectorMath.Vector(repeating: -.infinity)
        var i = 0
        while i < full { mv = VectorMath.max(mv, VectorMath.load(xr + i)); i += lanes }
        if rest > 0 { mv = VectorMath.max(mv, VectorMath.loadPartial(xr + full, rest, fill: -.infinity)) }
        let m = mv.max()
        var sv = VectorMath.Vector(repeating: 0)
        i = 0
        while i < full {
            let e = VectorMath.exp(VectorMath.load(xr + i) - m)
            VectorMath.store(e, xr + i)
            sv += e
            i += lanes
        }
        if rest > 0 {
            // Padding lanes are -inf, so their exp is 0 and adds nothing to the sum.
            let e = VectorMath.exp(VectorMath.loadPartial(xr + full, rest, fill: -.infinity) - m)
            VectorMath.storePartial(e, xr + full, rest)
            sv += e
        }
        let inv = 1 / sv.sum()
        i = 0
        while i < full { VectorMath.store(VectorMath.load(xr + i) * inv, xr + i); i += lanes }
        for j in full..<width { xr[j] *= inv }
    }

    /// Σ e^(x[i] − shift) over `count` floats (AVX2 + FMA when the CPU has it); the denominator
    /// of a log-softmax whose shift is the row maximum. Disabled entries (−∞) add 0.
    public static func sumExp(_ x: UnsafePointer<Float>, count: Int, shift: Float) -> Float {
        guard count > 0 else { return 0 }
        if VectorExtensions.enabled { return CheckedKernels.sumExp(.init(x, count), count: count, shift: shift) }
        let lanes = VectorMath.lanes, full = count - count % lanes
        let m = VectorMath.Vector(repeating: shift)
        var sv = VectorMath.Vector(repeating: 0)
        var i = 0
        while i < full { sv += VectorMath.exp(VectorMath.load(x + i) - m); i += lanes }
        if full < count { sv += VectorMath.exp(VectorMath.loadPartial(x + full, count - full, fill: -.infinity) - m) }
        return sv.sum()
    }

    /// a += b elementwise.
    public static func add(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, count: Int) {
        // Elementwise: parts on the engine's threads give the serial result.
        ParallelChunks.run(count: count, elementsPerItem: 1) { part in
            CheckedBLAS.saxpy(count: part.count, x: .init(b + part.lowerBound, count - part.lowerBound),
                              y: .init(a + part.lowerBound, count - part.lowerBound))
        }
    }
}
