import Foundation
import CaptionCore

/// Work that may block (loading a model, opening an input that is a FIFO with no writer) run on its
/// own thread, so the pipeline keeps serving and SIGTERM is still honoured. A task that never
/// finishes is abandoned (its thread ends with the process).
final class BackgroundTask<T>: @unchecked Sendable {
    private let cond = NSCondition()
    private var outcome: Result<T, Error>?

    init(name: String, _ body: @escaping () throws -> T) {
        let t = Thread { [self] in
            let r = Result { try body() }
            cond.lock(); outcome = r; cond.broadcast(); cond.unlock()
        }
        t.name = name
        t.start()
    }

    /// The result once the work is done, else nil (never blocks).
    var result: Result<T, Error>? { cond.lock(); defer { cond.unlock() }; return outcome }

    /// Waits up to `seconds` for the result.
    func wait(seconds: Double) -> Result<T, Error>? {
        cond.lock(); defer { cond.unlock() }
        if outcome == nil { _ = cond.wait(until: Date(timeIntervalSinceNow: max(0, seconds))) }
        return outcome
    }
}
