import CALSA
import CV4L2
import Glibc

/// What `captionctl devices` shows: ALSA capture PCMs (from name hints) and V4L2 capture devices
/// with their formats, sizes and frame rates.
public enum DeviceList {
    public struct AudioDevice: Sendable, Equatable {
        public var name: String
        public var description: String
    }

    public struct VideoSize: Sendable, Equatable {
        public var width: Int
        public var height: Int
        /// Discrete frame rates offered at this size (empty when the driver does not enumerate them).
        public var framesPerSecond: [Double]
        /// "WxH" for a discrete size, or "min…max step" for a stepwise range.
        public var label: String
    }

    public struct VideoFormat: Sendable, Equatable {
        public var fourcc: String
        public var description: String
        public var sizes: [VideoSize]
    }

    public struct VideoDevice: Sendable, Equatable {
        public var path: String
        public var card: String
        public var driver: String
        public var formats: [VideoFormat]
        /// Why the device could not be inspected, when it could not.
        public var problem: String?
    }

    /// PCMs whose hint says they can capture (IOID absent or "Input").
    public static func audioCaptureDevices() throws -> [AudioDevice] {
        var hints: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
        let rc = snd_device_name_hint(-1, "pcm", &hints)
        if rc < 0 { throw CaptureError.alsa(function: "snd_device_name_hint", device: "pcm", code: rc) }
        defer { snd_device_name_free_hint(hints) }
        var out: [AudioDevice] = []
        var p = hints
        while let cursor = p, let hint = cursor.pointee {
            func take(_ id: String) -> String? {
                guard let c = snd_device_name_get_hint(hint, id) else { return nil }
                defer { free(c) }
                return String(cString: c)
            }
            let io = take("IOID")
            if let name = take("NAME"), io == nil || io == "Input" {
                let desc = (take("DESC") ?? "").split(separator: "\n").joined(separator: " — ")
                out.append(AudioDevice(name: name, description: desc))
            }
            p = cursor + 1
        }
        return out
    }

    /// /dev/video* entries, each inspected through `device`.
    public static func videoDevices(directory: String = "/dev", device: V4L2Device = .live) -> [VideoDevice] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var paths: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if name.hasPrefix("video") { paths.append(directory + "/" + name) }
        }
        return paths.sorted().map { inspect(path: $0, device: device) }
    }

    static func cString<T>(_ tuple: T) -> String {
        withUnsafeBytes(of: tuple) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
    }

    /// Capabilities, formats, sizes and frame intervals of one device.
    public static func inspect(path: String, device: V4L2Device = .live) -> VideoDevice {
        var result = VideoDevice(path: path, card: "", driver: "", formats: [], problem: nil)
        let fd = device.open(path)
        if fd < 0 { result.problem = CaptureError.system(call: "open", path: path, errno: -fd).description; return result }
        defer { _ = device.close(fd) }
        var cap = v4l2_capability()
        let rc = withUnsafeMutableBytes(of: &cap) { device.ioctl(fd, CV4L2_VIDIOC_QUERYCAP, $0.baseAddress!) }
        if rc < 0 { result.problem = CaptureError.system(call: "VIDIOC_QUERYCAP", path: path, errno: -rc).description; return result }
        result.card = cString(cap.card)
        result.driver = cString(cap.driver)
        let caps = cap.capabilities & UInt32(V4L2_CAP_DEVICE_CAPS) != 0 ? cap.device_caps : cap.capabilities
        if caps & UInt32(V4L2_CAP_VIDEO_CAPTURE) == 0 { result.problem = "not a video capture node"; return result }
        for index in 0..<64 {
            var desc = v4l2_fmtdesc()
            desc.index = UInt32(index)
            desc.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            if withUnsafeMutableBytes(of: &desc, { device.ioctl(fd, CV4L2_VIDIOC_ENUM_FMT, $0.baseAddress!) }) < 0 { break }
            result.formats.append(VideoFormat(fourcc: V4L2Camera.fourccName(desc.pixelformat),
                                              description: cString(desc.description),
                                              sizes: sizes(fd, desc.pixelformat, device)))
        }
        return result
    }

    static func sizes(_ fd: Int32, _ fourcc: UInt32, _ device: V4L2Device) -> [VideoSize] {
        var out: [VideoSize] = []
        for index in 0..<256 {
            var e = v4l2_frmsizeenum()
            e.index = UInt32(index)
            e.pixel_format = fourcc
            if withUnsafeMutableBytes(of: &e, { device.ioctl(fd, CV4L2_VIDIOC_ENUM_FRAMESIZES, $0.baseAddress!) }) < 0 { break }
            if e.type == V4L2_FRMSIZE_TYPE_DISCRETE.rawValue {
                let w = Int(e.discrete.width), h = Int(e.discrete.height)
                out.append(VideoSize(width: w, height: h, framesPerSecond: rates(fd, fourcc, w, h, device), label: "\(w)x\(h)"))
            } else {
                let s = e.stepwise
                out.append(VideoSize(width: Int(s.max_width), height: Int(s.max_height), framesPerSecond: [],
                                     label: "\(s.min_width)x\(s.min_height)…\(s.max_width)x\(s.max_height) step \(s.step_width)x\(s.step_height)"))
                break
            }
        }
        return out
    }

    static func rates(_ fd: Int32, _ fourcc: UInt32, _ w: Int, _ h: Int, _ device: V4L2Device) -> [Double] {
        var out: [Double] = []
        for index in 0..<64 {
            var e = v4l2_frmivalenum()
            e.index = UInt32(index)
            e.pixel_format = fourcc
            e.width = UInt32(w)
            e.height = UInt32(h)
            if withUnsafeMutableBytes(of: &e, { device.ioctl(fd, CV4L2_VIDIOC_ENUM_FRAMEINTERVALS, $0.baseAddress!) }) < 0 { break }
            guard e.type == V4L2_FRMIVAL_TYPE_DISCRETE.rawValue, e.discrete.numerator > 0 else { break }
            out.append(Double(e.discrete.denominator) / Double(e.discrete.numerator))
        }
        return out
    }

    /// The human-readable listing; says plainly when there is nothing.
    public static func report(audio: [AudioDevice], audioError: String?, video: [VideoDevice]) -> String {
        var lines = ["Audio capture (ALSA PCMs):"]
        if let audioError { lines.append("  cannot list ALSA devices: \(audioError)") }
        else if audio.isEmpty { lines.append("  none found (no sound card, and no capture PCM defined in the ALSA configuration)") }
        for a in audio { lines.append("  \(a.name)" + (a.description.isEmpty ? "" : "  (\(a.description))")) }
        lines.append("Video capture (V4L2):")
        if video.isEmpty { lines.append("  none found (no /dev/video* device)") }
        for v in video {
            lines.append("  \(v.path)" + (v.card.isEmpty ? "" : "  \(v.card) [\(v.driver)]"))
            if let problem = v.problem { lines.append("    \(problem)"); continue }
            if v.formats.isEmpty { lines.append("    lists no capture formats") }
            for f in v.formats {
                lines.append("    \(f.fourcc) (\(f.description))")
                for s in f.sizes {
                    let fps = s.framesPerSecond.map { $0 == $0.rounded() ? String(Int($0)) : String(format1: $0) }
                    lines.append("      \(s.label)" + (fps.isEmpty ? "" : " @ \(fps.joined(separator: ", ")) fps"))
                }
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    init(format1 value: Double) {
        let scaled = (value * 10).rounded() / 10
        self = "\(scaled)"
    }
}
