import Foundation

/// Progress of long work on standard error: one line rewritten in place with rate and ETA on a
/// terminal, plain lines (at most one per 10 %) when standard error is a log or a pipe.
final class ProgressLine {
    let label: String
    let isTerminal = isatty(STDERR_FILENO) == 1
    let started = Date()
    var lastDecile = -1
    var lastDraw = Date.distantPast

    init(_ label: String) { self.label = label }

    /// `fraction` of the work done; `unit` processed so far (e.g. audio seconds) for the rate.
    func update(fraction: Double, processed: Double, unit: String) {
        let elapsed = Date().timeIntervalSince(started)
        let rate = elapsed > 0 ? processed / elapsed : 0
        let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
        let text = String(format: "%@: %3.0f%%  %.1f %@/s  ETA %.0f s", label, fraction * 100, rate, unit, eta)
        if isTerminal {
            guard Date().timeIntervalSince(lastDraw) > 0.1 || fraction >= 1 else { return }
            lastDraw = Date()
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
        } else {
            let decile = Int(fraction * 10)
            guard decile > lastDecile else { return }
            lastDecile = decile
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }

    /// Clears the in-place line on a terminal.
    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

/// Writes one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// A failure already explained on one line: printed as "captionctl: …", exit status 1.
enum CleanExit: Error {
    case failure(String)
}
