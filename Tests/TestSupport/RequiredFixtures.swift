import Foundation
import XCTest

/// `CAPTIOND_REQUIRE_FIXTURES=1` (set by .ci/run) turns every skip for a missing model, fixture or
/// tool into a failure, so CI cannot pass by skipping the tests that matter.
public enum RequiredFixtures {
    public static var required: Bool { ProcessInfo.processInfo.environment["CAPTIOND_REQUIRE_FIXTURES"] == "1" }

    /// A failure raised instead of a skip when fixtures are required.
    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    /// The error to throw when `what` is absent: XCTSkip normally, a failure when required.
    public static func missing(_ what: String) -> Error {
        required ? Missing(description: "\(what) (CAPTIOND_REQUIRE_FIXTURES=1 makes this a failure)") : XCTSkip(what)
    }
}

extension TestPaths {
    /// ../shared/fixtures, or a skip (a failure under CAPTIOND_REQUIRE_FIXTURES=1).
    public static func requireSharedFixtures() throws -> URL {
        guard let dir = sharedFixtures else {
            throw RequiredFixtures.missing("shared fixtures not found (../shared/fixtures or CAPTIOND_SHARED_FIXTURES)")
        }
        return dir
    }

    /// An installed model, or a skip (a failure under CAPTIOND_REQUIRE_FIXTURES=1).
    public static func requireModel(_ name: String) throws -> URL {
        guard let dir = model(name) else {
            throw RequiredFixtures.missing("\(name) is not installed in \(modelsDir.path): run scripts/fetch-models \(name)")
        }
        return dir
    }

    /// An executable file, or a skip (a failure under CAPTIOND_REQUIRE_FIXTURES=1).
    public static func requireExecutable(_ path: String, _ why: String) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: path) else { throw RequiredFixtures.missing("\(path) is missing: \(why)") }
        return path
    }
}
