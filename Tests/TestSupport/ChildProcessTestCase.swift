import Foundation
import XCTest

/// A test case that runs the package's executables (captiond, captionctl, …) as child processes in
/// a temporary directory: each is terminated and the directory removed at tear-down.
open class ChildProcessTestCase: TemporaryDirectoryTestCase {
    public var processes: [Process] = []
    /// inotify on `dir`, made before any child starts: `waitFor` wakes on its events.
    private var watch: DirectoryWatch?

    /// `/tmp` whatever TMPDIR says: the children's Unix socket paths must stay short.
    open override var directoryParent: URL { URL(fileURLWithPath: "/tmp") }

    open override func setUpWithError() throws {
        try super.setUpWithError()
        watch = try DirectoryWatch(dir.path)
    }

    open override func tearDownWithError() throws {
        for p in processes where p.isRunning { p.terminate(); p.waitUntilExit() }
        watch = nil
        try super.tearDownWithError()
    }

    /// Starts `executable` (a product name, or an absolute path) with its output to the given files
    /// (or discarded); it is terminated at tear-down.
    public func spawn(_ executable: String, _ args: [String], stdout: URL? = nil, stderr: URL? = nil,
                      environment: [String: String] = [:]) throws -> Process {
        let p = Process()
        p.executableURL = executable.hasPrefix("/") ? URL(fileURLWithPath: executable) : TestPaths.productsDir.appendingPathComponent(executable)
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"].merging(environment) { $1 }) { $1 }
        for (url, set) in [(stdout, { (h: FileHandle) in p.standardOutput = h }), (stderr, { (h: FileHandle) in p.standardError = h })] {
            if let url {
                FileManager.default.createFile(atPath: url.path, contents: nil)
                set(try FileHandle(forWritingTo: url))
            } else { set(FileHandle.nullDevice) }
        }
        try p.run()
        processes.append(p)
        return p
    }

    /// Waits until `condition` holds, re-checking it on each change the kernel reports in `dir`
    /// (inotify; the children's output files live there), so `condition` must depend on files in
    /// `dir` — a wait on a process's state needs its own event (READY=1, a caption event). Throws
    /// `WaitTimedOut` naming `what` after `timeout` seconds.
    public func waitFor(_ what: String, timeout: Double = 120, _ condition: () throws -> Bool) throws {
        guard let watch else { throw WaitTimedOut("\(what) (no directory watch: setUp did not run)", 0) }
        try watch.wait(for: what, timeout: timeout, condition)
    }

    /// A NOTIFY_SOCKET for a child (`dir/name`): pass `["NOTIFY_SOCKET": listener.path]` to
    /// `spawn` and wait for READY=1.
    public func notifySocket(_ name: String) throws -> NotifyListener {
        try NotifyListener(path: dir.appendingPathComponent(name).path)
    }

    public func read(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

    /// `speech.wav` in the test directory: 16-kHz mono s16, `silenceSeconds` of silence (time for
    /// subscribers to connect before the first word), then the JFK fixture.
    public func speechWAV(silenceSeconds: Int = 6) throws -> String {
        let shared = try TestPaths.requireSharedFixtures()
        let jfk = try Data(contentsOf: shared.appendingPathComponent("whisper_cpp/jfk.wav"))
        guard jfk.count > 44 else { throw RequiredFixtures.missing("jfk.wav is too short") }
        let pcm = Data(count: silenceSeconds * 16_000 * 2) + jfk.dropFirst(44)
        let path = dir.appendingPathComponent("speech.wav").path
        try WAVBytes.mono16k(pcm: pcm).write(to: URL(fileURLWithPath: path))
        return path
    }
}
