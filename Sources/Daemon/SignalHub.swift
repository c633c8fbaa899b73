import Foundation

/// Turns SIGTERM/SIGINT (stop) and SIGHUP (reload) into calls on the running daemon.
/// The dispatch sources are created once per process (re-creating them after a cancel would lose
/// the signal to SIG_IGN); handlers only forward to the daemon, which sets flags.
final class SignalHub: @unchecked Sendable {
    static let shared = SignalHub()
    private let lock = NSLock()
    private weak var target: Daemon?
    private var sources: [DispatchSourceSignal] = []

    /// Routes signals to `daemon` from now on (installing the sources on first use).
    func attach(_ daemon: Daemon) {
        lock.lock(); defer { lock.unlock() }
        target = daemon
        guard sources.isEmpty else { return }
        signal(SIGPIPE, SIG_IGN)
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
        lock.lock(); let d = target; lock.unlock()
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
