/// Parses YUV4MPEG2 streams (`ffmpeg … -f yuv4mpegpipe`): 8-bit 4:2:0, 4:2:2, 4:4:4 and mono.
/// Only the luma plane is kept; chroma is skipped.
public final class Y4MReader {
    public enum Chroma: String, Sendable, Equatable {
        case c420 = "420", c422 = "422", c444 = "444", mono = "mono"

        /// Bytes of one frame (all planes) at width × height.
        func frameBytes(width: Int, height: Int) -> Int {
            let luma = width * height
            switch self {
            case .c420: return luma + 2 * ((width + 1) / 2) * ((height + 1) / 2)
            case .c422: return luma + 2 * ((width + 1) / 2) * height
            case .c444: return 3 * luma
            case .mono: return luma
            }
        }
    }

    public let width: Int
    public let height: Int
    /// Frame rate as numerator / denominator (frames per second).
    public let rateNumerator: Int
    public let rateDenominator: Int
    public let chroma: Chroma
    private let stream: ByteStream
    /// The luma of the frame being read. It grows only as a frame's bytes actually arrive (from
    /// `firstPiece`, doubling, up to width × height), so a header declaring a 16384×16384 picture
    /// costs nothing until such a frame is really there (it used to be allocated from the header).
    private var frameBuffer: [UInt8] = []
    /// Chroma is read through this and dropped (at most `firstPiece` bytes).
    private var skipBuffer: [UInt8] = []
    static let firstPiece = 1 << 16
    public private(set) var framesRead = 0

    public var framesPerSecond: Double { Double(rateNumerator) / Double(rateDenominator) }

    /// Bytes the reader holds for frame data (what a header alone must not inflate; tests).
    var frameBufferCapacity: Int { frameBuffer.capacity + skipBuffer.capacity }

    public init(stream: ByteStream) throws {
        self.stream = stream
        let source = stream.name
        guard let line = try stream.readLine(limit: 1024) else {
            throw CaptureError.invalidInput(source: source, reason: "empty input: expected a YUV4MPEG2 header")
        }
        let fields = String(decoding: line, as: UTF8.self).split(separator: " ")
        guard fields.first == "YUV4MPEG2" else {
            throw CaptureError.invalidInput(source: source, reason: "not a Y4M stream: the first line must start with 'YUV4MPEG2' (make it with ffmpeg -f yuv4mpegpipe)")
        }
        var w: Int?, h: Int?, num = 25, den = 1
        var chroma = Chroma.c420
        for field in fields.dropFirst() {
            guard let tag = field.first else { continue }
            let value = String(field.dropFirst())
            switch tag {
            case "W": w = Int(value)
                if w == nil { throw CaptureError.invalidInput(source: source, reason: "header width '\(field)' is not a number") }
            case "H": h = Int(value)
                if h == nil { throw CaptureError.invalidInput(source: source, reason: "header height '\(field)' is not a number") }
            case "F":
                let parts = value.split(separator: ":")
                guard parts.count == 2, let n = Int(parts[0]), let d = Int(parts[1]), n > 0, d > 0 else {
                    throw CaptureError.invalidInput(source: source, reason: "header frame rate '\(field)' must be F<num>:<den> with both positive")
                }
                num = n; den = d
            case "C":
                chroma = try Self.parseChroma(value, source: source)
            case "I":
                if value != "p" && value != "?" {
                    throw CaptureError.invalidInput(source: source, reason: "interlaced Y4M ('\(field)') is not supported: add -vf yadif or write progressive frames")
                }
            default: break  // A (aspect), X (extensions): not needed for luma.
            }
        }
        guard let width = w, let height = h else {
            throw CaptureError.invalidInput(source: source, reason: "header lacks \(w == nil ? "W (width)" : "H (height)")")
        }
        guard (1...16384).contains(width), (1...16384).contains(height) else {
            throw CaptureError.invalidInput(source: source, reason: "frame size \(width)×\(height) is outside 1…16384")
        }
        self.width = width
        self.height = height
        rateNumerator = num
        rateDenominator = den
        self.chroma = chroma
    }

    static func parseChroma(_ value: String, source: String) throws -> Chroma {
        switch value {
        case "420", "420jpeg", "420paldv", "420mpeg2": return .c420
        case "422": return .c422
        case "444": return .c444
        case "mono": return .mono
        default:
            throw CaptureError.invalidInput(source: source, reason: "colour space C\(value) is not supported: use 8-bit 420, 422, 444 or mono (ffmpeg -pix_fmt yuv420p)")
        }
    }

    /// The next frame's luma (width × height bytes), or nil at a clean end of stream.
    public func nextLuma() throws -> [UInt8]? {
        let source = stream.name
        guard let marker = try stream.readLine(limit: 1024) else { return nil }
        let text = String(decoding: marker, as: UTF8.self)
        guard text == "FRAME" || text.hasPrefix("FRAME ") else {
            throw CaptureError.invalidInput(source: source, reason: "frame \(framesRead): expected 'FRAME' at byte \(stream.offset - marker.count - 1), found '\(text.prefix(16))'")
        }
        let start = stream.offset
        let lumaBytes = width * height
        let frameBytes = chroma.frameBytes(width: width, height: height)
        var got = try readLuma(lumaBytes)
        if got == lumaBytes { got += try skip(frameBytes - lumaBytes) }
        guard got == frameBytes else {
            throw CaptureError.invalidInput(source: source, reason: "frame \(framesRead) is truncated: \(got) of \(frameBytes) bytes (\(width)×\(height) C\(chroma.rawValue)) at byte \(start): the stream ends inside it, or the header's W/H/C do not match its frames; re-create it whole, e.g. ffmpeg -i IN -pix_fmt yuv420p -f yuv4mpegpipe OUT.y4m")
        }
        framesRead += 1
        return Array(frameBuffer[0..<lumaBytes])
    }

    /// Reads up to `count` luma bytes into `frameBuffer`, growing it only once the bytes it already
    /// has room for have arrived; returns how many arrived.
    private func readLuma(_ count: Int) throws -> Int {
        var got = 0
        while got < count {
            if got == frameBuffer.count {
                let size = min(count, max(Self.firstPiece, 2 * frameBuffer.count))
                frameBuffer.reserveCapacity(size)
                frameBuffer.append(contentsOf: repeatElement(0, count: size - frameBuffer.count))
            }
            let want = min(count, frameBuffer.count) - got
            let n = try frameBuffer.withUnsafeMutableBytes { raw in
                try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[got..<(got + want)]))
            }
            got += n
            if n < want { break }
        }
        return got
    }

    /// Reads and drops `count` bytes; returns how many arrived.
    private func skip(_ count: Int) throws -> Int {
        guard count > 0 else { return 0 }
        if skipBuffer.isEmpty { skipBuffer = [UInt8](repeating: 0, count: min(count, Self.firstPiece)) }
        var done = 0
        while done < count {
            let want = min(count - done, skipBuffer.count)
            let n = try skipBuffer.withUnsafeMutableBytes { raw in
                try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<want]))
            }
            done += n
            if n < want { break }
        }
        return done
    }
}
