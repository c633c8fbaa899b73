import Foundation
import XCTest

/// A test case with its own temporary directory: made at set-up, removed with everything in it at
/// tear-down (`<parent>/<directoryPrefix>-<pid>-<random>`).
open class TemporaryDirectoryTestCase: XCTestCase {
    /// This test's temporary directory.
    public var dir: URL!

    /// The directory's name prefix.
    open var directoryPrefix: String { "captiond-test" }

    /// Where the directory is made: the system's temporary directory unless a subclass needs a fixed
    /// place (short Unix socket paths).
    open var directoryParent: URL { FileManager.default.temporaryDirectory }

    open override func setUpWithError() throws {
        dir = directoryParent.appendingPathComponent("\(directoryPrefix)-\(getpid())-\(Int.random(in: 0..<1_000_000))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    open override func tearDownWithError() throws {
        if let dir { try? FileManager.default.removeItem(at: dir) }
    }
}
