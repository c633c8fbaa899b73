import XCTest
import TestSupport

// Placeholder so the target builds; replaced by the issue that builds Capture.
final class CapturePlaceholderTests: XCTestCase {
    func testRepositoryRootIsFound() {
        XCTAssertTrue(FileManager.default.fileExists(atPath: TestPaths.repoRoot.appendingPathComponent("Package.swift").path))
    }
}
