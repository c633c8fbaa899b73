import CV4L2
import CaptionCore
import Glibc

/// One open V4L2 capture session: capabilities checked, format negotiated, buffers mapped and
/// streaming. `nextFrame` polls, dequeues, converts to luma (with the injected converter,
/// `Features.LumaConversion`) and requeues. Throws on device loss.
public final class V4L2Camera {
    /// What the driver agreed to.
    public struct Format: Sendable, Equatable {
        public var pixelFormat: PixelFormat
        public var width: Int
        public var height: Int
        public var bytesPerLine: Int
        /// Bytes one frame needs at this size and stride.
        public var frameBytes: Int
        /// Frames per second the driver reports (0 when it does not say).
        public var framesPerSecond: Double
    }

    /// What one `nextFrame` call produced.
    public enum Outcome: Equatable {
        /// A frame was converted; its luma was handed to the sink.
        case frame(sequence: UInt64, timestamp: Double)
        /// Nothing within the poll timeout, or the driver said EAGAIN.
        case timeout
        /// The driver returned a buffer that cannot be a frame; it was requeued and skipped.
        case malformed(String)
    }

    public let path: String
    public let format: Format
    public private(set) var skippedFrames: UInt64 = 0
    private let device: V4L2Device
    private let lumaConverter: any LumaConverter
    private let pollTimeout: Int32
    private var fd: Int32
    private var buffers: [(address: UnsafeMutableRawPointer, length: Int)] = []
    private var lastSequence: UInt64?
    private var luma: [UInt8]
    private var streaming = false

    public init(device: V4L2Device, configuration c: V4L2Configuration, lumaConverter: any LumaConverter) throws {
        try c.validate()
        path = c.path
        self.device = device
        self.lumaConverter = lumaConverter
        pollTimeout = c.pollTimeoutMilliseconds
        let opened = device.open(c.path)
        if opened < 0 { throw CaptureError.system(call: "open", path: c.path, errno: -opened) }
        fd = opened
        do {
            try Self.checkCapabilities(device, fd, c.path)
            format = try Self.negotiate(device, fd, c)
            luma = [UInt8](repeating: 0, count: format.width * format.height)
        } catch {
            _ = device.close(opened)
            fd = -1
            throw error
        }
        do {
            try mapBuffers(count: c.bufferCount)
            try startStreaming()
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    /// Stops streaming, unmaps the buffers and closes the device (idempotent; errors ignored
    /// because the device may already be gone).
    public func close() {
        guard fd >= 0 else { return }
        if streaming {
            var type = Int32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
            _ = device.ioctl(fd, CV4L2_VIDIOC_STREAMOFF, &type)
            streaming = false
        }
        for b in buffers { _ = device.munmap(b.address, b.length) }
        buffers = []
        _ = device.close(fd)
        fd = -1
    }

    static func ioctl<T>(_ device: V4L2Device, _ fd: Int32, _ request: UInt, _ value: inout T,
                         _ name: String, _ path: String) throws {
        let rc = withUnsafeMutableBytes(of: &value) { raw -> Int32 in
            guard let base = raw.baseAddress else { return -EINVAL }
            return device.ioctl(fd, request, base)
        }
        if rc < 0 { throw CaptureError.system(call: name, path: path, errno: -rc) }
    }

    static func checkCapabilities(_ device: V4L2Device, _ fd: Int32, _ path: String) throws {
        var cap = v4l2_capability()
        try ioctl(device, fd, CV4L2_VIDIOC_QUERYCAP, &cap, "VIDIOC_QUERYCAP", path)
        let caps = cap.capabilities & UInt32(V4L2_CAP_DEVICE_CAPS) != 0 ? cap.device_caps : cap.capabilities
        if caps & UInt32(V4L2_CAP_VIDEO_CAPTURE) == 0 {
            throw CaptureError.unsupportedDevice(path: path, reason: "is not a video capture device (capabilities 0x\(String(caps, radix: 16))); pick another /dev/videoN from `captionctl devices`")
        }
        if caps & UInt32(V4L2_CAP_STREAMING) == 0 {
            throw CaptureError.unsupportedDevice(path: path, reason: "does not support streaming I/O (mmap), which capture needs")
        }
    }

    static func fourcc(_ f: PixelFormat) -> UInt32 {
        switch f {
        case .yuyv: return CV4L2_PIX_FMT_YUYV
        case .grey: return CV4L2_PIX_FMT_GREY
        case .nv12: return CV4L2_PIX_FMT_NV12
        }
    }

    static func fourccName(_ v: UInt32) -> String {
        String(decoding: (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) }, as: UTF8.self)
    }

    /// The capture formats a device lists (VIDIOC_ENUM_FMT until EINVAL).
    static func offeredFormats(_ device: V4L2Device, _ fd: Int32, _ path: String) throws -> [UInt32] {
        var out: [UInt32] = []
        for index in 0..<64 {
            var desc = v4l2_fmtdesc()
            desc.index = UInt32(index)
            desc.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            let rc = withUnsafeMutableBytes(of: &desc) { device.ioctl(fd, CV4L2_VIDIOC_ENUM_FMT, $0.baseAddress!) }
            if rc == -EINVAL { break }
            if rc < 0 { throw CaptureError.system(call: "VIDIOC_ENUM_FMT", path: path, errno: -rc) }
            out.append(desc.pixelformat)
        }
        return out
    }

    static func negotiate(_ device: V4L2Device, _ fd: Int32, _ c: V4L2Configuration) throws -> Format {
        let offered = try offeredFormats(device, fd, c.path)
        guard let chosen = c.formats.first(where: { offered.contains(fourcc($0)) }) else {
            throw CaptureError.unsupportedDevice(path: c.path,
                reason: "offers \(offered.map(fourccName).joined(separator: ", ")) but capture needs one of \(c.formats.map { $0.rawValue.uppercased() }.joined(separator: ", "))")
        }
        var fmt = v4l2_format()
        fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        fmt.fmt.pix.width = UInt32(c.width)
        fmt.fmt.pix.height = UInt32(c.height)
        fmt.fmt.pix.pixelformat = fourcc(chosen)
        fmt.fmt.pix.field = V4L2_FIELD_ANY.rawValue
        try ioctl(device, fd, CV4L2_VIDIOC_S_FMT, &fmt, "VIDIOC_S_FMT", c.path)
        // The driver may change the size (nearest it supports) and even the format.
        let pix = fmt.fmt.pix
        guard pix.pixelformat == fourcc(chosen) else {
            throw CaptureError.unsupportedDevice(path: c.path, reason: "driver replaced \(chosen.rawValue.uppercased()) by \(fourccName(pix.pixelformat)) in VIDIOC_S_FMT")
        }
        let width = Int(pix.width), height = Int(pix.height)
        guard (1...8192).contains(width), (1...8192).contains(height) else {
            throw CaptureError.unsupportedDevice(path: c.path, reason: "driver answered an impossible size \(width)×\(height)")
        }
        let minLine = chosen == .yuyv ? 2 * width : width
        let bytesPerLine = max(Int(pix.bytesperline), minLine)
        var parm = v4l2_streamparm()
        parm.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        parm.parm.capture.timeperframe = v4l2_fract(numerator: 1, denominator: UInt32(c.framesPerSecond))
        var fps = 0.0
        // Frame-rate control is optional in V4L2: drivers without it answer ENOTTY or EINVAL.
        if (try? ioctl(device, fd, CV4L2_VIDIOC_S_PARM, &parm, "VIDIOC_S_PARM", c.path)) != nil {
            let tpf = parm.parm.capture.timeperframe
            if tpf.numerator > 0 { fps = Double(tpf.denominator) / Double(tpf.numerator) }
        }
        return Format(pixelFormat: chosen, width: width, height: height, bytesPerLine: bytesPerLine,
                      frameBytes: chosen.frameBytes(height: height, bytesPerLine: bytesPerLine),
                      framesPerSecond: fps)
    }

    private func mapBuffers(count: Int) throws {
        var req = v4l2_requestbuffers()
        req.count = UInt32(count)
        req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        req.memory = V4L2_MEMORY_MMAP.rawValue
        try Self.ioctl(device, fd, CV4L2_VIDIOC_REQBUFS, &req, "VIDIOC_REQBUFS", path)
        guard req.count >= 2 else {
            throw CaptureError.unsupportedDevice(path: path, reason: "driver granted \(req.count) buffers; at least 2 are needed")
        }
        for i in 0..<Int(req.count) {
            var buf = v4l2_buffer()
            buf.index = UInt32(i)
            buf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            buf.memory = V4L2_MEMORY_MMAP.rawValue
            try Self.ioctl(device, fd, CV4L2_VIDIOC_QUERYBUF, &buf, "VIDIOC_QUERYBUF", path)
            let length = Int(buf.length)
            guard length >= format.frameBytes else {
                throw CaptureError.malformedBuffer(path: path, reason: "buffer \(i) holds \(length) bytes but a \(format.width)×\(format.height) \(format.pixelFormat.rawValue.uppercased()) frame needs \(format.frameBytes)")
            }
            let mapped = device.mmap(fd, length, Int(buf.m.offset))
            guard let address = mapped.address else {
                throw CaptureError.system(call: "mmap (buffer \(i))", path: path, errno: mapped.error)
            }
            buffers.append((address, length))
        }
    }

    private func startStreaming() throws {
        for i in 0..<buffers.count { try queue(index: i) }
        var type = Int32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
        try Self.ioctl(device, fd, CV4L2_VIDIOC_STREAMON, &type, "VIDIOC_STREAMON", path)
        streaming = true
    }

    private func queue(index: Int) throws {
        var buf = v4l2_buffer()
        buf.index = UInt32(index)
        buf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        buf.memory = V4L2_MEMORY_MMAP.rawValue
        try Self.ioctl(device, fd, CV4L2_VIDIOC_QBUF, &buf, "VIDIOC_QBUF", path)
    }

    /// Waits up to the poll timeout for one frame, converts it to luma and passes it to `sink`
    /// (luma bytes valid only during the call, width, height, CLOCK_MONOTONIC time, sequence).
    /// Throws when the device is gone or refuses the buffer back.
    public func nextFrame(_ sink: (UnsafeBufferPointer<UInt8>, Int, Int, Double, UInt64) -> Void) throws -> Outcome {
        guard fd >= 0 else { throw CaptureError.system(call: "poll", path: path, errno: EBADF) }
        let events = device.poll(fd, pollTimeout)
        if events < 0 { throw CaptureError.system(call: "poll", path: path, errno: -events) }
        if events == 0 { return .timeout }
        if events & Int32(POLLERR | POLLHUP | POLLNVAL) != 0 && events & Int32(POLLIN) == 0 {
            throw CaptureError.system(call: "poll", path: path, errno: ENODEV)
        }
        var buf = v4l2_buffer()
        buf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        buf.memory = V4L2_MEMORY_MMAP.rawValue
        let rc = withUnsafeMutableBytes(of: &buf) { device.ioctl(fd, CV4L2_VIDIOC_DQBUF, $0.baseAddress!) }
        if rc == -EAGAIN { return .timeout }
        if rc < 0 { throw CaptureError.system(call: "VIDIOC_DQBUF", path: path, errno: -rc) }
        let index = Int(buf.index)
        guard index < buffers.count else {
            return .malformed("driver dequeued buffer index \(index) but only \(buffers.count) were requested")
        }
        let used = Int(buf.bytesused)
        if used < format.frameBytes || used > buffers[index].length {
            try queue(index: index)
            return .malformed("buffer \(index) carries \(used) bytes; a frame needs \(format.frameBytes) (buffer length \(buffers[index].length))")
        }
        let timestamp = Self.monotonicTime(buf)
        let sequence = UInt64(buf.sequence)
        if let last = lastSequence, sequence > last + 1 { skippedFrames += sequence - last - 1 }
        lastSequence = sequence
        let f = format
        let source = UnsafeRawPointer(buffers[index].address)
        let converter = lumaConverter
        luma.withUnsafeMutableBufferPointer { out in
            // (height, bytesPerLine) packed pixels → (height, width) luma.
            converter.convert(f.pixelFormat, source: source, width: f.width, height: f.height,
                              bytesPerLine: f.bytesPerLine, destination: out.baseAddress!)
            sink(UnsafeBufferPointer(out), f.width, f.height, timestamp, sequence)
        }
        try queue(index: index)
        return .frame(sequence: sequence, timestamp: timestamp)
    }

    /// The driver's timestamp when it is on CLOCK_MONOTONIC, otherwise the time of dequeue.
    static func monotonicTime(_ buf: v4l2_buffer) -> Double {
        let kind = buf.flags & UInt32(V4L2_BUF_FLAG_TIMESTAMP_MASK)
        let t = Double(buf.timestamp.tv_sec) + Double(buf.timestamp.tv_usec) * 1e-6
        if kind == UInt32(V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC), t > 0 { return t }
        return MonotonicClock.now()
    }
}
