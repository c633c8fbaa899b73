import Foundation

/// Turns SIGTERM/SIGINT (stop) and SIGHUP (reload) into calls on the running daemon.
/// The handlers are installed once per process with sigaction; each only writes the signal number
/// to a pipe (async-signal-safe), and one reader thread forwards it to the daemon, which sets flags.
final class SignalHub: @unchecked Sendable {
    static let shared = SignalHub()
    private let lock = NSLock()
    private weak var target: Daemon?
    private var installed = false

    /// A stop signal that arrived before a daemon was attached (start-up): applied on attach.
    private var earlyStop = false
    private var attachedOnce = false

    /// Routes signals to `daemon` from now on (installing the sources on first use).
    func attach(_ daemon: Daemon) {
        install()
        lock.lock()
        target = daemon
        attachedOnce = true
        let early = earlyStop
        earlyStop = false
        lock.unlock()
        if early { daemon.requestStop() }
    }

    /// Installs the handlers (`captiond` calls this first thing, so a SIGTERM during start-up is
    /// not lost even when the parent left SIGTERM ignored or blocked). When this returns the
    /// handlers are in place: a signal from then on is never dropped. (A libdispatch signal source
    /// registers asynchronously after `SIG_IGN`, and a SIGTERM in that window was lost: one CI run
    /// read SIGTERM still ignored in /proc after the control socket was bound.)
    func install() {
        lock.lock(); defer { lock.unlock() }
        guard !installed else { return }
        installed = true
        signal(SIGPIPE, SIG_IGN)
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            FileHandle.standardError.write(Data("captiond: pipe for the signal handlers failed (errno \(errno)); signals keep their default action\n".utf8))
            return
        }
        // Neither end leaks into children; the reading end blocks (the reader thread waits on it),
        // the handler's end never does.
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        signalPipeWriteEnd = fds[1]
        let readEnd = fds[0]
        let reader = Thread { [weak self] in
            var byte: UInt8 = 0
            while true {
                let n = read(readEnd, &byte, 1)
                if n == 1 { self?.deliver(Int32(byte)); continue }
                if n < 0, errno == EINTR { continue }
                return
            }
        }
        reader.name = "captiond-signals"
        reader.start()
        for sig in [SIGTERM, SIGINT, SIGHUP] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = forwardSignalToPipe
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            sigaction(sig, &action, nil)
        }
        // A parent may have started us with these signals blocked (the mask is inherited across
        // exec): unblock them, or SIGTERM would stay pending forever. A signal pending from
        // before is delivered to the handler now.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for sig in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&unblock, sig) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }

    /// Stops routing to `daemon` (signals that arrive with no daemon attached are ignored).
    func detach(_ daemon: Daemon) {
        lock.lock(); defer { lock.unlock() }
        if target === daemon { target = nil }
    }

    private var deadlineArmed = false

    private func deliver(_ sig: Int32) {
        lock.lock()
        let d = target
        if d == nil, !attachedOnce, sig != SIGHUP { earlyStop = true }
        lock.unlock()
        if sig == SIGHUP { d?.requestReload(); return }
        d?.requestStop()
        // The clean stop finishes the utterance and closes the sockets; if something blocks it (an
        // open that never returns), the process still ends within the deadline.
        if let d, let seconds = d.options.stopDeadline {
            lock.lock(); let armed = deadlineArmed; deadlineArmed = true; lock.unlock()
            guard !armed else { return }
            let log = d.log
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
                log.error("did not stop within \(Int(seconds)) s of SIGTERM; exiting now")
                _exit(1)
            }
        }
    }
}

/// The write end of the signal pipe, set once by `SignalHub.install()` before any handler runs.
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// The signal handler: writes the signal number to the pipe and nothing else (async-signal-safe;
/// errno is restored for the interrupted code).
private func forwardSignalToPipe(_ sig: Int32) {
    let saved = errno
    var byte = UInt8(truncatingIfNeeded: sig)
    _ = write(signalPipeWriteEnd, &byte, 1)
    errno = saved
}
