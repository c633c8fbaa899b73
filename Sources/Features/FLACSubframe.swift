/// One FLAC subframe (one channel of a frame): constant, verbatim, fixed-order or LPC prediction
/// over a Rice-coded residual, then the wasted low bits restored.
enum FLACSubframe {
    static func read(_ r: inout FLACBitReader, bits declared: Int, blockSize n: Int, into out: inout [Int32],
                     frame: Int) throws {
        guard try r.read(1) == 0 else { throw FLACDecoder.Failure.corrupt(byte: frame, reason: "subframe padding bit set") }
        let type = Int(try r.read(6))
        var wasted = 0
        if try r.read(1) == 1 { wasted = try r.unary() + 1 }
        let bits = declared - wasted
        guard bits >= 1 && bits <= 32 else {
            throw FLACDecoder.Failure.unsupported("\(declared)-bit subframe with \(wasted) wasted bits")
        }
        switch type {
        case 0:
            let v = try r.readSigned(bits)
            for i in 0..<n { out[i] = v }
        case 1:
            for i in 0..<n { out[i] = try r.readSigned(bits) }
        case 8...12:
            let order = type - 8
            try warmUp(&r, order, bits, n, &out, frame)
            try residual(&r, order, n, &out, frame)
            fixedPrediction(order, n, &out)
        case 32...63:
            let order = type - 31
            try warmUp(&r, order, bits, n, &out, frame)
            let precision = Int(try r.read(4)) + 1
            guard precision <= 15 else { throw FLACDecoder.Failure.corrupt(byte: frame, reason: "invalid LPC precision") }
            let shift = Int(try r.readSigned(5))
            guard shift >= 0 else { throw FLACDecoder.Failure.unsupported("negative LPC shift") }
            var coefficients = [Int64](repeating: 0, count: order)
            for j in 0..<order { coefficients[j] = Int64(try r.readSigned(precision)) }
            try residual(&r, order, n, &out, frame)
            lpcPrediction(coefficients, shift, n, &out)
        default:
            throw FLACDecoder.Failure.corrupt(byte: frame, reason: "reserved subframe type \(type)")
        }
        if wasted > 0 { for i in 0..<n { out[i] <<= Int32(wasted) } }
    }

    private static func warmUp(_ r: inout FLACBitReader, _ order: Int, _ bits: Int, _ n: Int, _ out: inout [Int32],
                               _ frame: Int) throws {
        guard order <= n else { throw FLACDecoder.Failure.corrupt(byte: frame, reason: "predictor order \(order) above the block size \(n)") }
        for i in 0..<order { out[i] = try r.readSigned(bits) }
    }

    /// Residuals into out[order..<n] (partitioned Rice coding, with escaped raw partitions).
    private static func residual(_ r: inout FLACBitReader, _ order: Int, _ n: Int, _ out: inout [Int32],
                                 _ frame: Int) throws {
        let method = try r.read(2)
        guard method <= 1 else { throw FLACDecoder.Failure.corrupt(byte: frame, reason: "reserved residual coding method") }
        let parameterBits = method == 0 ? 4 : 5, escape = UInt32((1 << parameterBits) - 1)
        let partitionOrder = Int(try r.read(4))
        let partitions = 1 << partitionOrder, perPartition = n >> partitionOrder
        guard perPartition << partitionOrder == n, perPartition >= order || partitionOrder == 0 && n >= order else {
            throw FLACDecoder.Failure.corrupt(byte: frame, reason: "residual partition order \(partitionOrder) does not fit block size \(n)")
        }
        var i = order
        for p in 0..<partitions {
            let count = p == 0 ? perPartition - order : perPartition
            let parameter = try r.read(parameterBits)
            if parameter == escape {
                let raw = Int(try r.read(5))
                for _ in 0..<count { out[i] = try r.readSigned(raw); i += 1 }
            } else {
                let k = Int(parameter)
                for _ in 0..<count { out[i] = try r.rice(k); i += 1 }
            }
        }
    }

    private static func fixedPrediction(_ order: Int, _ n: Int, _ s: inout [Int32]) {
        guard order > 0 else { return }
        s.withUnsafeMutableBufferPointer { s in
            for i in order..<n {
                let a = Int64(s[i - 1])
                switch order {
                case 1: s[i] = Int32(truncatingIfNeeded: Int64(s[i]) + a)
                case 2: s[i] = Int32(truncatingIfNeeded: Int64(s[i]) + 2 * a - Int64(s[i - 2]))
                case 3: s[i] = Int32(truncatingIfNeeded: Int64(s[i]) + 3 * a - 3 * Int64(s[i - 2]) + Int64(s[i - 3]))
                default:
                    s[i] = Int32(truncatingIfNeeded: Int64(s[i]) + 4 * a - 6 * Int64(s[i - 2]) + 4 * Int64(s[i - 3]) - Int64(s[i - 4]))
                }
            }
        }
    }

    private static func lpcPrediction(_ c: [Int64], _ shift: Int, _ n: Int, _ s: inout [Int32]) {
        let order = c.count
        s.withUnsafeMutableBufferPointer { s in
            c.withUnsafeBufferPointer { c in
                for i in order..<n {
                    var sum: Int64 = 0
                    for j in 0..<order { sum += c[j] * Int64(s[i - 1 - j]) }
                    s[i] = Int32(truncatingIfNeeded: Int64(s[i]) + (sum >> Int64(shift)))
                }
            }
        }
    }
}
