import CaptionCore

/// How to open and run a V4L2 camera.
public struct V4L2Configuration: Sendable, Equatable {
    public var path: String
    public var width: Int
    public var height: Int
    public var framesPerSecond: Int
    /// Pixel formats to ask for, first offered wins.
    public var formats: [PixelFormat]
    public var bufferCount: Int
    public var pollTimeoutMilliseconds: Int32
    public var maxReopenAttempts: Int?
    public var initialBackoff: Double
    public var maxBackoff: Double

    public init(path: String = "/dev/video0", width: Int = 640, height: Int = 480, framesPerSecond: Int = 30,
                formats: [PixelFormat] = [.yuyv, .grey, .nv12], bufferCount: Int = 4,
                pollTimeoutMilliseconds: Int32 = 1000, maxReopenAttempts: Int? = nil,
                initialBackoff: Double = 0.1, maxBackoff: Double = 2.0) {
        self.path = path
        self.width = width
        self.height = height
        self.framesPerSecond = framesPerSecond
        self.formats = formats
        self.bufferCount = bufferCount
        self.pollTimeoutMilliseconds = pollTimeoutMilliseconds
        self.maxReopenAttempts = maxReopenAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    func validate() throws {
        if !(1...8192).contains(width) || !(1...8192).contains(height) {
            throw CaptureError.invalidConfiguration(key: "video.width/height", reason: "\(width)×\(height) is outside 1…8192")
        }
        if !(1...240).contains(framesPerSecond) {
            throw CaptureError.invalidConfiguration(key: "video.fps", reason: "\(framesPerSecond) is outside 1…240")
        }
        if formats.isEmpty { throw CaptureError.invalidConfiguration(key: "video.formats", reason: "list at least one of yuyv, grey, nv12") }
        if !(2...32).contains(bufferCount) {
            throw CaptureError.invalidConfiguration(key: "video.buffers", reason: "\(bufferCount) is outside 2…32")
        }
    }
}
