import COpenCC

/// Converts text with libopencc (e.g. traditional → simplified Chinese with "t2s.json").
/// Each C call is wrapped so that a failure throws with the function name and opencc_error().
public final class OpenCCConverter {
    private let handle: opencc_t
    public let config: String

    /// Opens an OpenCC configuration by name ("t2s.json", resolved under /usr/share/opencc) or path.
    public init(config: String = "t2s.json") throws {
        let h = opencc_open(config)
        // opencc_open returns (opencc_t)-1 on failure.
        guard let h, UInt(bitPattern: h) != UInt.max else {
            throw MetricsError.openCC(function: "opencc_open", detail: config, message: OpenCCConverter.lastError())
        }
        handle = h
        self.config = config
    }

    deinit { _ = opencc_close(handle) }

    /// The converted text (UTF-8 in, UTF-8 out).
    public func convert(_ text: String) throws -> String {
        if text.isEmpty { return text }
        let utf8 = Array(text.utf8)
        let out: UnsafeMutablePointer<CChar>? = utf8.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) {
                opencc_convert_utf8(handle, $0, buf.count)
            }
        }
        guard let out else {
            throw MetricsError.openCC(function: "opencc_convert_utf8", detail: "\(utf8.count) bytes",
                                      message: OpenCCConverter.lastError())
        }
        defer { opencc_convert_utf8_free(out) }
        return String(cString: out)
    }

    static func lastError() -> String {
        guard let p = opencc_error() else { return "unknown error" }
        return String(cString: p)
    }

    /// The shared traditional → simplified converter (opened once; libopencc conversion is thread-safe).
    public static func traditionalToSimplified() throws -> OpenCCConverter {
        try sharedT2S.get()
    }
    private static let sharedT2S: Result<OpenCCConverter, Error> = Result { try OpenCCConverter(config: "t2s.json") }
}
