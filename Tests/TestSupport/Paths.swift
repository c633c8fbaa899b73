import Foundation

/// Where tests find the repository, the shared speech fixtures and the installed models.
public enum TestPaths {
    /// The repository root (this file is Tests/TestSupport/Paths.swift).
    public static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Committed test data: Tests/Fixtures.
    public static let fixtures: URL = repoRoot.appendingPathComponent("Tests/Fixtures")

    /// ../shared/fixtures beside the repository (real speech; not copied into the project).
    public static var sharedFixtures: URL? {
        if let env = ProcessInfo.processInfo.environment["CAPTIOND_SHARED_FIXTURES"] {
            return URL(fileURLWithPath: env)
        }
        let url = repoRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures")
        return FileManager.default.fileExists(atPath: url.appendingPathComponent("manifest.tsv").path) ? url : nil
    }

    /// The models directory, resolved as scripts/fetch-models does.
    public static var modelsDir: URL {
        let env = ProcessInfo.processInfo.environment
        if let dir = env["CAPTIOND_MODELS"], !dir.isEmpty { return URL(fileURLWithPath: dir) }
        if getuid() == 0 { return URL(fileURLWithPath: "/var/lib/captiond/models") }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/captiond/models")
    }

    /// An installed model directory (e.g. "tiny.en"), or nil when it is not installed.
    public static func model(_ name: String) -> URL? {
        let url = modelsDir.appendingPathComponent(name)
        return FileManager.default.fileExists(atPath: url.appendingPathComponent("model.bin").path) ? url : nil
    }

    /// The directory holding the built executables (captionctl, captiond) beside the test bundle.
    public static var productsDir: URL {
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        return Bundle.main.bundleURL
    }
}
