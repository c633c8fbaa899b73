import Glibc

/// Every system call V4L2 capture makes, as a struct of functions: `.live` calls the kernel, a fake
/// in the tests drives the same state machine without a camera. Results are ≥ 0 on success and
/// −errno on failure (so fakes never touch the global errno).
public struct V4L2Device: @unchecked Sendable {
    /// Opens a device path read-write, non-blocking: a file descriptor or −errno.
    public var open: (_ path: String) -> Int32
    /// ioctl(fd, request, argument): ≥ 0 or −errno.
    public var ioctl: (_ fd: Int32, _ request: UInt, _ argument: UnsafeMutableRawPointer) -> Int32
    /// Shared read-write mapping of `length` bytes at `offset` of fd: the address, or nil and errno.
    public var mmap: (_ fd: Int32, _ length: Int, _ offset: Int) -> (address: UnsafeMutableRawPointer?, error: Int32)
    public var munmap: (_ address: UnsafeMutableRawPointer, _ length: Int) -> Int32
    /// poll(fd, POLLIN): the returned events (0 on timeout) or −errno.
    public var poll: (_ fd: Int32, _ timeoutMilliseconds: Int32) -> Int32
    public var close: (_ fd: Int32) -> Int32

    public init(open: @escaping (String) -> Int32,
                ioctl: @escaping (Int32, UInt, UnsafeMutableRawPointer) -> Int32,
                mmap: @escaping (Int32, Int, Int) -> (address: UnsafeMutableRawPointer?, error: Int32),
                munmap: @escaping (UnsafeMutableRawPointer, Int) -> Int32,
                poll: @escaping (Int32, Int32) -> Int32,
                close: @escaping (Int32) -> Int32) {
        self.open = open
        self.ioctl = ioctl
        self.mmap = mmap
        self.munmap = munmap
        self.poll = poll
        self.close = close
    }

    /// The real system calls.
    public static let live = V4L2Device(
        open: { path in
            let fd = Glibc.open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
            return fd < 0 ? -errno : fd
        },
        ioctl: { fd, request, argument in
            var rc: Int32
            repeat { rc = Glibc.ioctl(fd, request, argument) } while rc < 0 && errno == EINTR
            return rc < 0 ? -errno : rc
        },
        mmap: { fd, length, offset in
            let p = Glibc.mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off_t(offset))
            if p == MAP_FAILED || p == nil { return (nil, errno) }
            return (p, 0)
        },
        munmap: { address, length in
            Glibc.munmap(address, length) < 0 ? -errno : 0
        },
        poll: { fd, timeout in
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let rc = Glibc.poll(&p, 1, timeout)
            if rc < 0 { return errno == EINTR ? 0 : -errno }
            return rc == 0 ? 0 : Int32(p.revents)
        },
        close: { fd in Glibc.close(fd) < 0 ? -errno : 0 }
    )
}
