import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One thread serving many non-blocking file descriptors with poll(2).
///
/// Everything registered here runs on the loop thread: fd handlers, timers and the closures passed
/// to `execute`. Other threads only call `execute` (thread-safe; wakes the loop through a pipe).
/// An idle loop sleeps in `poll` until a descriptor is ready or a timer is due, so a thousand idle
/// connections cost nothing. (poll rather than epoll: Glibc's Swift module does not export
/// sys/epoll.h, and rebuilding a few thousand pollfds per wake-up is cheap at caption rates.)
public final class EventLoop {
    /// Called with the ready `poll` bits on the loop thread.
    typealias Handler = (Int16) -> Void
    static let readable = Int16(POLLIN), writable = Int16(POLLOUT)
    static let hangup = Int16(POLLHUP), failed = Int16(POLLERR) | Int16(POLLNVAL)

    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let name: String
    private var handlers: [Int32: Handler] = [:]
    private var interest: [Int32: Int16] = [:]
    private var pollSetDirty = true
    private var pollSet: [pollfd] = []
    private var timers: [(due: Double, id: Int, work: () -> Void)] = []
    private var nextTimerID = 0

    private let lock = NSCondition()
    private var work: [() -> Void] = []
    private var wakePending = false
    private var running = false
    private var finished = false

    /// The loop both servers use unless given another: one thread for every caption subscriber and
    /// control connection of the process. Nil only when the kernel refuses a pipe (logged).
    public static let shared: EventLoop? = {
        do {
            let loop = try EventLoop(name: "captiond-ipc")
            loop.start()
            return loop
        } catch {
            FileHandle.standardError.write(Data("captiond: cannot create the socket event loop: \(error)\n".utf8))
            return nil
        }
    }()

    /// Creates the wake-up pipe; `start()` runs the thread.
    public init(name: String = "captiond-ipc") throws {
        self.name = name
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw IPCError.system(function: "pipe", target: name, errno: errno) }
        wakeRead = fds[0]; wakeWrite = fds[1]
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    /// Starts the loop thread (once; later calls do nothing).
    public func start() {
        lock.lock(); defer { lock.unlock() }
        guard !running, !finished else { return }
        running = true
        let t = Thread { [self] in self.run() }
        t.name = name
        t.start()
    }

    /// Runs `work` on the loop thread soon (FIFO). Safe from any thread; never blocks on I/O.
    public func execute(_ work: @escaping () -> Void) {
        lock.lock()
        self.work.append(work)
        let wake = !wakePending
        wakePending = true
        lock.unlock()
        if wake {
            var one: UInt8 = 1
            _ = write(wakeWrite, &one, 1)
        }
    }

    /// Ends the loop after the work queued so far has run, and waits for the thread to exit
    /// (never call it from the loop thread; the shared loop is never stopped).
    public func stop() {
        lock.lock()
        guard running else { finished = true; lock.unlock(); return }
        lock.unlock()
        execute { [self] in self.lock.lock(); self.running = false; self.lock.unlock() }
        lock.lock()
        while !finished { lock.wait() }
        lock.unlock()
    }

    // MARK: - loop-thread API

    /// Watches `fd` for `events` (`readable`/`writable` bits; hang-up and errors always report).
    func register(_ fd: Int32, events: Int16, handler: @escaping Handler) throws {
        guard fd >= 0, handlers[fd] == nil else {
            throw IPCError.system(function: "poll (register)", target: "fd \(fd)", errno: EEXIST)
        }
        handlers[fd] = handler
        interest[fd] = events
        pollSetDirty = true
    }

    /// Changes the events watched on a registered fd (0 pauses it except for hang-up/errors).
    func modify(_ fd: Int32, events: Int16) {
        guard handlers[fd] != nil, interest[fd] != events else { return }
        interest[fd] = events
        pollSetDirty = true
    }

    /// Stops watching `fd` (call before closing it).
    func unregister(_ fd: Int32) {
        guard handlers.removeValue(forKey: fd) != nil else { return }
        interest[fd] = nil
        pollSetDirty = true
    }

    /// Runs `work` on the loop thread after `seconds`; returns an id for `cancelTimer`.
    @discardableResult
    func schedule(after seconds: Double, _ work: @escaping () -> Void) -> Int {
        nextTimerID += 1
        timers.append((MonotonicSeconds.now() + seconds, nextTimerID, work))
        return nextTimerID
    }

    func cancelTimer(_ id: Int) { timers.removeAll { $0.id == id } }

    // MARK: - the loop

    private func run() {
        while true {
            lock.lock(); let keepGoing = running; lock.unlock()
            if !keepGoing { break }
            if pollSetDirty {
                pollSet = [pollfd(fd: wakeRead, events: Self.readable, revents: 0)]
                pollSet.reserveCapacity(interest.count + 1)
                for (fd, ev) in interest { pollSet.append(pollfd(fd: fd, events: ev, revents: 0)) }
                pollSetDirty = false
            }
            let timeout = timeoutMs()
            let n = pollSet.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), timeout) }
            if n < 0 && errno != EINTR {
                // Only EFAULT/EINVAL/ENOMEM are possible here: report, and do not spin.
                FileHandle.standardError.write(Data("captiond: poll failed: errno \(errno)\n".utf8))
                usleep(100_000)
            }
            if n > 0 {
                var ready: [(Int32, Int16)] = []
                for k in pollSet.indices where pollSet[k].revents != 0 {
                    if k == 0 {
                        var scratch = [UInt8](repeating: 0, count: 256)
                        while read(wakeRead, &scratch, 256) > 0 {}
                        continue
                    }
                    ready.append((pollSet[k].fd, pollSet[k].revents))
                    pollSet[k].revents = 0
                }
                // A handler may unregister other fds: look each one up at its turn.
                for (fd, revents) in ready { handlers[fd]?(revents) }
            }
            runDueTimers()
            runQueuedWork()
        }
        lock.lock(); finished = true; lock.broadcast(); lock.unlock()
    }

    private func runQueuedWork() {
        lock.lock()
        let batch = work
        work.removeAll()
        wakePending = false
        lock.unlock()
        for w in batch { w() }
    }

    private func runDueTimers() {
        guard !timers.isEmpty else { return }
        let now = MonotonicSeconds.now()
        let due = timers.filter { $0.due <= now }
        guard !due.isEmpty else { return }
        timers.removeAll { $0.due <= now }
        for t in due.sorted(by: { $0.due < $1.due }) { t.work() }
    }

    /// Milliseconds until the next timer (-1: none; sleep until an fd or `execute` wakes us).
    private func timeoutMs() -> Int32 {
        lock.lock(); let queued = !work.isEmpty; lock.unlock()
        if queued { return 0 }
        guard let next = timers.map(\.due).min() else { return -1 }
        let ms = (next - MonotonicSeconds.now()) * 1000
        return ms <= 0 ? 0 : Int32(min(ms.rounded(.up), 60_000))
    }
}
