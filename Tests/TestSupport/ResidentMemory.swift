import Foundation

/// This process's resident memory now (`/proc/self/statm`, resident pages × page size), for tests
/// that check an input does not make a reader allocate (and fill) more than the input can justify:
/// compare before and after while the reader is still alive. A zeroed multi-hundred-MB buffer shows
/// as that much resident memory; a small bounded buffer as a few MB at most.
public enum ResidentMemory {
    public static func bytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
