import XCTest
import TestSupport

// Placeholder so the target builds; replaced by the issue that builds Daemon.
final class DaemonPlaceholderTests: XCTestCase {
    func testRepositoryRootIsFound() {
        XCTAssertTrue(FileManager.default.fileExists(atPath: TestPaths.repoRoot.appendingPathComponent("Package.swift").path))
    }
}
