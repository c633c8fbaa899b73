import XCTest
import TestSupport

// Placeholder so the target builds; replaced by the issue that builds Models.
final class ModelsPlaceholderTests: XCTestCase {
    func testRepositoryRootIsFound() {
        XCTAssertTrue(FileManager.default.fileExists(atPath: TestPaths.repoRoot.appendingPathComponent("Package.swift").path))
    }
}
