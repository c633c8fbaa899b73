import XCTest
import Glibc
import TestSupport
@testable import Daemon

/// Loading the configuration (start-up and every SIGHUP reload) keeps nothing: TOMLKit's own
/// accessors kept 7,706 bytes in 157 blocks per load of the shipped captiond.toml (LeakSanitizer,
/// `fuzz-toml`); `TOMLDocument` frees each copy and clears the tree, leaving toml++'s 96-byte root.
final class ConfigLoadMemoryTests: XCTestCase {
    /// Resident bytes of the process (/proc/self/statm): freed blocks are reused and stay
    /// resident, so a load that keeps nothing leaves it flat after warm-up.
    private func residentBytes() throws -> Int {
        let fields = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8).split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { throw XCTSkip("unreadable /proc/self/statm") }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    func testReloadingTheShippedConfigurationKeepsNoMemory() throws {
        // AddressSanitizer holds freed blocks in its quarantine instead of reusing them, so
        // resident memory grows with every load there by design (109 MB over these rounds in the
        // first CI run); leaks under a sanitizer are LeakSanitizer's (fuzz-toml, checked at exit).
        // page-guard-malloc gives each block two pages, so toml++'s 96-byte roots alone cost
        // 8 KiB each (15,861 bytes a round, 6 Dec).
        if let allocator = Sanitizer.replacementAllocator {
            throw XCTSkip("\(allocator) replaces glibc's heap: resident memory does not measure what a load keeps")
        }
        let path = TestPaths.repoRoot.appendingPathComponent("Config/captiond.toml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let bad = text + "\n[model]\nbeam = \"five\"\n"   // a duplicate table: a syntax error
        let wrongType = "[model]\nbeam = \"five\"\nname = 3\n"
        for _ in 0..<50 { _ = try ConfigLoader.parse(text, file: "captiond.toml") }   // warm-up
        let loads = 2000
        let before = try residentBytes()
        for _ in 0..<loads {
            _ = try ConfigLoader.parse(text, file: "captiond.toml")
            XCTAssertThrowsError(try ConfigLoader.parse(bad, file: "bad.toml"))
            XCTAssertThrowsError(try ConfigLoader.parse(wrongType, file: "wrong.toml"))
        }
        let kept = try residentBytes() - before
        // 3 loads a round: the 96-byte roots make ~0.3 KB a round (0.6 MB in all); TOMLKit's
        // accessors kept 7.7 KB for the shipped file alone (15 MB in all).
        XCTAssertLessThan(kept, loads * 1024, "\(kept) bytes kept after \(loads) rounds (\(kept / loads) a round)")
    }
}
