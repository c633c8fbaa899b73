import Foundation

/// Turns SIGTERM/SIGINT (stop) and SIGHUP (reload) into calls on the running daemon.
/// The dispatch sources are created once per process (re-creating them after a cancel would lose
/// the signal to SIG_IGN); handlers only forward to the daemon, which sets flags.
final class SignalHub: @unchecked Sendable {
    static let shared = SignalHub()
    private let lock = NSLock()
    private weak var target: Daemon?
    private var sources: [DispatchSourceSignal] = []

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

    /// Installs the signal sources (`captiond` calls this first thing, so a SIGTERM during
    /// start-up is not lost even when the parent left SIGTERM ignored or blocked).
    func install() {
        lock.lock(); defer { lock.unlock() }
        guard sources.isEmpty else { return }
        signal(SIGPIPE, SIG_IGN)
        // A parent may have started us with these signals blocked (the mask is inherited across
        // exec): unblock them, or SIGTERM would stay pending forever.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for sig in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&unblock, sig) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        for sig in [SIGTERM, SIGINT, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in self?.deliver(sig) }
            source.resume()
            sources.append(source)
        }
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
