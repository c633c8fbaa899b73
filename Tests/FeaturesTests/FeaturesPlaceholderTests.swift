import XCTest
import TestSupport

// Placeholder so the target builds; replaced by the issue that builds Features.
final class FeaturesPlaceholderTests: XCTestCase {
    func testRepositoryRootIsFound() {
        XCTAssertTrue(FileManager.default.fileExists(atPath: TestPaths.repoRoot.appendingPathComponent("Package.swift").path))
    }
}
