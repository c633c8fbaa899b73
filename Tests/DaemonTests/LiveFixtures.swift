import Foundation

/// Media the live tests make themselves.
enum LiveFixtures {
    /// Samples in [-1, 1] as 16-bit little-endian PCM (the `file` PCM's raw infile).
    static func s16le(_ samples: [Float]) -> Data {
        var data = Data(capacity: samples.count * 2)
        for s in samples {
            let v = Int16(max(-32768, min(32767, (s * 32768).rounded())))
            withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }

    /// A mono Y4M of seeded noise: every frame differs everywhere, so the mouth region moves.
    static func noiseY4M(width: Int, height: Int, fps: Int, frames: Int, seed: UInt64 = 7) -> Data {
        var data = Data("YUV4MPEG2 W\(width) H\(height) F\(fps):1 Ip A1:1 Cmono\n".utf8)
        var state = seed
        var frame = [UInt8](repeating: 0, count: width * height)
        for _ in 0..<frames {
            data.append(contentsOf: Array("FRAME\n".utf8))
            for i in frame.indices {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                frame[i] = UInt8(truncatingIfNeeded: state >> 56)
            }
            data.append(contentsOf: frame)
        }
        return data
    }
}
