import Atomics
import Foundation

/// The thread a capture loop runs on: started once, asked to stop through a flag the loop checks
/// between reads (its sleeps end at once on stop: they wait on a condition `stop()` signals), and
/// remembering the error that ended the loop early.
final class CaptureLoopThread: @unchecked Sendable {
    /// Set by `stop()`; the loop checks it between reads.
    let stopFlag = ManagedAtomic<Bool>(false)
    private let stopSignal = NSCondition()
    private let lock = NSLock()
    private let finished = DispatchSemaphore(value: 0)
    private var thread: Thread?
    private var failure: Error?

    var stopRequested: Bool { stopFlag.load(ordering: .acquiring) }

    /// Runs `body` on a new thread named `name`.
    func start(name: String, _ body: @escaping () throws -> Void) {
        let t = Thread { [self] in
            do { try body() } catch { lock.lock(); failure = error; lock.unlock() }
            finished.signal()
        }
        t.name = name
        thread = t
        t.start()
    }

    /// Asks the loop to end and waits for it; returns the error that ended it early, if any.
    func stop() -> Error? {
        stopSignal.lock()
        stopFlag.store(true, ordering: .releasing)
        stopSignal.broadcast()
        stopSignal.unlock()
        if thread != nil { finished.wait(); thread = nil }
        lock.lock(); defer { lock.unlock() }
        return failure
    }

    /// Sleeps `seconds` (pacing, back-off), returning at once when `stop()` is called.
    func sleep(_ seconds: Double) {
        guard seconds > 0 else { return }
        let deadline = Date(timeIntervalSinceNow: seconds)
        stopSignal.lock()
        while !stopRequested && stopSignal.wait(until: deadline) {}
        stopSignal.unlock()
    }

    /// Waits for a started loop to end by itself and returns its error.
    func wait() -> Error? {
        if thread != nil { finished.wait(); finished.signal() }
        lock.lock(); defer { lock.unlock() }
        return failure
    }
}
