import CV4L2
import Capture
import CaptionCore
import Glibc

/// An in-process fake camera behind `V4L2Device`: it answers the ioctls the capture state machine
/// makes from its own state, serves frames whose luma encodes the sequence number, and can be told
/// to misbehave (EAGAIN, skipped sequence numbers, a malformed buffer, vanishing, a size change).
final class FakeV4L2Device {
    var offered: [UInt32] = [CV4L2_PIX_FMT_YUYV, CV4L2_PIX_FMT_GREY]
    var capabilities = UInt32(V4L2_CAP_VIDEO_CAPTURE) | UInt32(V4L2_CAP_STREAMING)
    /// The driver's size choice for a requested size (default: accept).
    var adjustSize: (Int, Int) -> (Int, Int) = { ($0, $1) }
    var bytesPerLinePadding = 0
    var grantedBuffers: UInt32?
    /// DQBUF numbers (0-based, counting attempts) that answer EAGAIN.
    var eagainAt: Set<Int> = []
    /// Frame numbers whose sequence jumps ahead by this many.
    var sequenceJumps: [Int: UInt32] = [:]
    /// Frame numbers delivered with too few bytes.
    var shortBufferAt: Set<Int> = []
    /// DQBUF attempt that finds the device gone; the next `failedReopens` opens fail with ENOENT.
    var vanishAt: Int?
    var failedReopens = 0

    private(set) var openCount = 0
    private(set) var closeCount = 0
    private(set) var streamOn = false
    private(set) var queued: [UInt32] = []
    private(set) var mappedCount = 0
    private(set) var requests: [String] = []
    private var fd: Int32 = -1
    private var vanished = false
    private var dqAttempts = 0
    private var framesServed = 0
    private var sequence: UInt32 = 0
    private var format = (fourcc: UInt32(0), width: 0, height: 0, bytesPerLine: 0, size: 0)
    private var memory: [UnsafeMutableRawPointer] = []
    private var bufferLength = 0

    deinit { for m in memory { m.deallocate() } }

    /// The device functions; they hold the fake strongly, so it lives as long as the camera using it
    /// (an unowned capture let an optimised build free the fake while the camera still ran).
    var device: V4L2Device {
        V4L2Device(
            open: { [self] path in
                guard path == "/dev/video0" else { return -ENOENT }
                if vanished {
                    if failedReopens > 0 { failedReopens -= 1; return -ENOENT }
                    vanished = false
                }
                openCount += 1
                fd = 40 + Int32(openCount)
                queued.removeAll()   // a fresh open starts with no buffers queued
                streamOn = false
                return fd
            },
            ioctl: { [self] fd, request, arg in self.ioctl(fd, request, arg) },
            mmap: { [self] fd, length, offset in
                guard fd == self.fd, offset % max(1, bufferLength) == 0, offset / max(1, bufferLength) < memory.count,
                      length <= bufferLength else { return (nil, EINVAL) }
                mappedCount += 1
                return (memory[offset / bufferLength], 0)
            },
            munmap: { [self] _, _ in mappedCount -= 1; return 0 },
            poll: { [self] fd, _ in
                if vanished || fd != self.fd { return Int32(POLLERR | POLLHUP) }
                return streamOn && !queued.isEmpty ? Int32(POLLIN) : 0
            },
            close: { [self] _ in closeCount += 1; streamOn = false; fd = -1; return 0 }
        )
    }

    private func ioctl(_ fd: Int32, _ request: UInt, _ arg: UnsafeMutableRawPointer) -> Int32 {
        guard fd == self.fd else { return -EBADF }
        if vanished { return -ENODEV }
        switch request {
        case CV4L2_VIDIOC_QUERYCAP:
            requests.append("QUERYCAP")
            let cap = arg.bindMemory(to: v4l2_capability.self, capacity: 1)
            cap.pointee = v4l2_capability()
            cap.pointee.capabilities = capabilities
            return 0
        case CV4L2_VIDIOC_ENUM_FMT:
            let d = arg.bindMemory(to: v4l2_fmtdesc.self, capacity: 1)
            guard Int(d.pointee.index) < offered.count else { return -EINVAL }
            d.pointee.pixelformat = offered[Int(d.pointee.index)]
            return 0
        case CV4L2_VIDIOC_S_FMT:
            requests.append("S_FMT")
            let f = arg.bindMemory(to: v4l2_format.self, capacity: 1)
            var fourcc = f.pointee.fmt.pix.pixelformat
            if !offered.contains(fourcc) { fourcc = offered[0] }
            let (w, h) = adjustSize(Int(f.pointee.fmt.pix.width), Int(f.pointee.fmt.pix.height))
            let bpl = (fourcc == CV4L2_PIX_FMT_YUYV ? 2 * w : w) + bytesPerLinePadding
            let size = fourcc == CV4L2_PIX_FMT_NV12 ? bpl * h * 3 / 2 : bpl * h
            format = (fourcc, w, h, bpl, size)
            f.pointee.fmt.pix.pixelformat = fourcc
            f.pointee.fmt.pix.width = UInt32(w)
            f.pointee.fmt.pix.height = UInt32(h)
            f.pointee.fmt.pix.bytesperline = UInt32(bpl)
            f.pointee.fmt.pix.sizeimage = UInt32(size)
            return 0
        case CV4L2_VIDIOC_S_PARM:
            let p = arg.bindMemory(to: v4l2_streamparm.self, capacity: 1)
            p.pointee.parm.capture.timeperframe = v4l2_fract(numerator: 1, denominator: 30)
            return 0
        case CV4L2_VIDIOC_REQBUFS:
            requests.append("REQBUFS")
            let r = arg.bindMemory(to: v4l2_requestbuffers.self, capacity: 1)
            let n = grantedBuffers ?? r.pointee.count
            r.pointee.count = n
            for m in memory { m.deallocate() }
            bufferLength = format.size
            memory = (0..<Int(n)).map { _ in
                let m = UnsafeMutableRawPointer.allocate(byteCount: max(1, bufferLength), alignment: 64)
                m.initializeMemory(as: UInt8.self, repeating: 0, count: max(1, bufferLength))
                return m
            }
            return 0
        case CV4L2_VIDIOC_QUERYBUF:
            let b = arg.bindMemory(to: v4l2_buffer.self, capacity: 1)
            guard Int(b.pointee.index) < memory.count else { return -EINVAL }
            b.pointee.length = UInt32(bufferLength)
            b.pointee.m.offset = b.pointee.index * UInt32(bufferLength)
            return 0
        case CV4L2_VIDIOC_QBUF:
            let b = arg.bindMemory(to: v4l2_buffer.self, capacity: 1)
            guard Int(b.pointee.index) < memory.count, !queued.contains(b.pointee.index) else { return -EINVAL }
            queued.append(b.pointee.index)
            return 0
        case CV4L2_VIDIOC_STREAMON:
            requests.append("STREAMON")
            streamOn = true
            return 0
        case CV4L2_VIDIOC_STREAMOFF:
            requests.append("STREAMOFF")
            streamOn = false
            queued.removeAll()
            return 0
        case CV4L2_VIDIOC_DQBUF:
            return dequeue(arg.bindMemory(to: v4l2_buffer.self, capacity: 1))
        default:
            return -ENOTTY
        }
    }

    private func dequeue(_ b: UnsafeMutablePointer<v4l2_buffer>) -> Int32 {
        let attempt = dqAttempts
        dqAttempts += 1
        if attempt == vanishAt { vanished = true; return -ENODEV }
        if eagainAt.contains(attempt) || queued.isEmpty || !streamOn { return -EAGAIN }
        let index = queued.removeFirst()
        let n = framesServed
        framesServed += 1
        if let jump = sequenceJumps[n] { sequence += jump }
        // Fill: luma = frame number mod 256 + column mod 2 (so YUYV chroma bytes differ).
        let base = memory[Int(index)].assumingMemoryBound(to: UInt8.self)
        for y in 0..<format.height {
            for x in 0..<format.width {
                let value = UInt8(truncatingIfNeeded: n + (x & 1))
                if format.fourcc == CV4L2_PIX_FMT_YUYV {
                    base[y * format.bytesPerLine + 2 * x] = value
                    base[y * format.bytesPerLine + 2 * x + 1] = 128
                } else {
                    base[y * format.bytesPerLine + x] = value
                }
            }
        }
        b.pointee.index = index
        b.pointee.bytesused = UInt32(shortBufferAt.contains(n) ? format.size / 2 : format.size)
        b.pointee.sequence = sequence
        b.pointee.flags = UInt32(V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC)
        b.pointee.timestamp = timeval(tv_sec: 1000 + n / 30, tv_usec: (n % 30) * 33_333)
        sequence += 1
        return 0
    }
}
