import Foundation
import CSystemd

/// Logs with priorities: to the journal when running under systemd (JOURNAL_STREAM is set),
/// to stderr otherwise. Thread-safe.
public final class ServiceLog: @unchecked Sendable {
    public enum Sink { case journal, stderr, capture }
    private let lock = NSLock()
    private var minimum: LogLevel
    public let sink: Sink
    private var captured: [(LogLevel, String)] = []

    public init(level: LogLevel, sink: Sink? = nil) {
        self.minimum = level
        self.sink = sink ?? (ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil ? .journal : .stderr)
    }

    public func setLevel(_ level: LogLevel) { lock.lock(); minimum = level; lock.unlock() }

    /// Messages kept by a `.capture` log (tests).
    public var messages: [(LogLevel, String)] { lock.lock(); defer { lock.unlock() }; return captured }

    public func log(_ level: LogLevel, _ message: String) {
        lock.lock(); defer { lock.unlock() }
        guard level >= minimum else { return }
        switch sink {
        case .journal:
            if captiond_journal_send(level.priority, "captiond", message) < 0 {
                FileHandle.standardError.write(Data("<\(level.priority)>\(message)\n".utf8))
            }
        case .stderr:
            FileHandle.standardError.write(Data("captiond: \(level.rawValue): \(message)\n".utf8))
        case .capture:
            captured.append((level, message))
        }
    }

    public func debug(_ m: String) { log(.debug, m) }
    public func info(_ m: String) { log(.info, m) }
    public func notice(_ m: String) { log(.notice, m) }
    public func warning(_ m: String) { log(.warning, m) }
    public func error(_ m: String) { log(.error, m) }
}
