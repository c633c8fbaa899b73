import Atomics
import Dispatch

/// Wakes a ring's single reader when its writer publishes, instead of the reader polling with
/// sleeps. The writer never blocks: it posts a semaphore only when the reader announced it is
/// about to wait. A wake-up may be spurious (the reader re-checks the ring), never lost.
final class ReaderWakeup: @unchecked Sendable {
    private let waiting = ManagedAtomic<Bool>(false)
    private let semaphore = DispatchSemaphore(value: 0)
    private let interrupted = ManagedAtomic<Bool>(false)

    /// Writer side: call after publishing new items.
    func notify() {
        if waiting.exchange(false, ordering: .acquiringAndReleasing) { semaphore.signal() }
    }

    /// Any thread: ends the reader's current wait now (or its next one, if it is not waiting),
    /// e.g. so a consumer thread can be stopped without waiting out its timeout.
    func interrupt() {
        interrupted.store(true, ordering: .sequentiallyConsistent)
        semaphore.signal()
    }

    /// Reader side: waits until `ready()` is true, `interrupt()` or `timeout` seconds pass;
    /// returns `ready()`.
    func wait(timeout: Double, until ready: () -> Bool) -> Bool {
        if ready() { return true }
        let deadline = DispatchTime.now() + max(0, timeout)
        while true {
            waiting.store(true, ordering: .sequentiallyConsistent)
            // Re-check after announcing: a write in between either is seen here or posts.
            if ready() { waiting.store(false, ordering: .relaxed); return true }
            if semaphore.wait(timeout: deadline) == .timedOut {
                waiting.store(false, ordering: .relaxed)
                return ready()
            }
            if ready() { return true }
            if interrupted.exchange(false, ordering: .acquiringAndReleasing) {
                waiting.store(false, ordering: .relaxed)
                return ready()
            }
        }
    }
}
