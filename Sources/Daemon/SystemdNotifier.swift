import Foundation
import CSystemd

/// sd_notify messages to the service manager. Without NOTIFY_SOCKET every call is a no-op.
public struct SystemdNotifier: Sendable {
    public init() {}

    /// Sends one state string (e.g. "READY=1\nSTATUS=listening"); returns false when nobody listens.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        sd_notify(0, state) > 0
    }

    public func ready(status: String) { notify("READY=1\nSTATUS=\(status)") }
    public func status(_ text: String) { notify("STATUS=\(text)") }
    public func watchdog() { notify("WATCHDOG=1") }
    public func stopping() { notify("STOPPING=1\nSTATUS=stopping") }

    /// RELOADING=1 with the monotonic timestamp systemd asks for.
    public func reloading() {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let usec = UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
        notify("RELOADING=1\nMONOTONIC_USEC=\(usec)\nSTATUS=reloading configuration")
    }

    /// The watchdog period in seconds when WATCHDOG_USEC/WATCHDOG_PID ask this process for pings.
    public func watchdogPeriod() -> Double? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return Double(usec) / 1e6
    }
}
