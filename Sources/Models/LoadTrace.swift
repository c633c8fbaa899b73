import Foundation

/// With `CAPTIOND_TRACE_LOAD=1`, each model-load stage's wall time on standard error
/// ("load: tokenizer 0.041 s"): to see where a load spends its time.
struct LoadTrace {
    let enabled = ProcessInfo.processInfo.environment["CAPTIOND_TRACE_LOAD"] == "1"
    private var last = Date()

    /// Logs the time since the previous mark (or the trace's start) as `stage`.
    mutating func mark(_ stage: String) {
        guard enabled else { return }
        let now = Date()
        FileHandle.standardError.write(Data(String(format: "load: %@ %.3f s\n", stage, now.timeIntervalSince(last)).utf8))
        last = now
    }
}
