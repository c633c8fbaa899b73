/// An 8-bit grey (luma) image, row-major.
public struct GreyImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) throws {
        guard width > 0, height > 0, pixels.count == width * height else {
            throw VisionError.badInput(what: "grey image", reason: "\(pixels.count) bytes for \(width)×\(height)")
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Parses a binary PGM (P5, maxval 255).
    public init(pgm bytes: [UInt8], name: String = "PGM") throws {
        var pos = 0
        func token() throws -> String {
            while pos < bytes.count {
                if bytes[pos] == UInt8(ascii: "#") {
                    while pos < bytes.count, bytes[pos] != 10 { pos += 1 }
                } else if bytes[pos] == 32 || bytes[pos] == 10 || bytes[pos] == 13 || bytes[pos] == 9 {
                    pos += 1
                } else { break }
            }
            let start = pos
            while pos < bytes.count, !(bytes[pos] == 32 || bytes[pos] == 10 || bytes[pos] == 13 || bytes[pos] == 9) { pos += 1 }
            guard pos > start else { throw VisionError.badInput(what: name, reason: "truncated PGM header") }
            return String(decoding: bytes[start..<pos], as: UTF8.self)
        }
        guard try token() == "P5" else { throw VisionError.badInput(what: name, reason: "not a binary PGM (P5)") }
        guard let w = Int(try token()), let h = Int(try token()), let maxval = Int(try token()),
              w > 0, h > 0, w <= 1 << 14, h <= 1 << 14, maxval == 255 else {
            throw VisionError.badInput(what: name, reason: "PGM header must give width, height and maxval 255")
        }
        pos += 1   // the single whitespace after maxval
        guard bytes.count - pos >= w * h else {
            throw VisionError.badInput(what: name, reason: "PGM has \(max(bytes.count - pos, 0)) pixel bytes, \(w)×\(h) needs \(w * h)")
        }
        try self.init(width: w, height: h, pixels: Array(bytes[pos..<(pos + w * h)]))
    }

    /// The image as a binary PGM.
    public var pgm: [UInt8] { Array("P5\n\(width) \(height)\n255\n".utf8) + pixels }
}
