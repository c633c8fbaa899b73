import XCTest
import Foundation
import TestSupport
@testable import Daemon

/// The soak finding: memory glibc keeps after a large free (a released model's weights) stays in
/// the process's RSS until `malloc_trim`. HeapTrim must find malloc_trim and give such memory back.
final class HeapTrimTests: XCTestCase {
    func rssMiB() throws -> Double {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try XCTUnwrap(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        return Double(line.split(separator: " ").dropFirst().first.map(String.init) ?? "0")! / 1024
    }

    func testFreedHeapMemoryIsReturnedAfterTrim() throws {
        // Under AddressSanitizer, ThreadSanitizer or page-guard-malloc, malloc/free are another
        // allocator's (freed blocks quarantined or unmapped), so glibc's malloc_trim has nothing to
        // give back.
        if let allocator = Sanitizer.replacementAllocator {
            throw XCTSkip("\(allocator) replaces glibc's heap, so malloc_trim has nothing to give back")
        }
        // 200 MB in 64-KB blocks (below glibc's mmap threshold, so they come from the heap), then
        // all freed but the last: the free space sits below a live block, so free() keeps it.
        let count = 3_200, size = 64 << 10
        var blocks: [UnsafeMutableRawPointer] = []
        for _ in 0..<count {
            guard let p = malloc(size) else { throw XCTSkip("malloc failed") }
            memset(p, 1, size)
            blocks.append(p)
        }
        let last = blocks.removeLast()
        defer { free(last) }
        for p in blocks { free(p) }
        let before = try rssMiB()
        XCTAssertTrue(HeapTrim.releaseFreedMemory(wait: true), "malloc_trim was not found")
        let after = try rssMiB()
        XCTAssertGreaterThan(before - after, 100, "RSS \(before) MiB -> \(after) MiB after the trim")
    }
}
