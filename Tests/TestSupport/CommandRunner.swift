import Foundation

/// Runs one of the package's executables (or any program) and collects its exit status and output.
public struct CommandResult {
    public let status: Int32
    /// True when the process ended by a signal (a crash) rather than by exit.
    public let crashed: Bool
    public let stdout: String
    public let stderr: String
}

public enum CommandRunner {
    /// Runs `executable` (a name in TestPaths.productsDir, or an absolute path) with `arguments`;
    /// `environment` entries are added to (or, when nil, removed from) the current environment.
    public static func run(_ executable: String, _ arguments: [String],
                           environment: [String: String?] = [:], stdin: Data? = nil,
                           currentDirectory: URL? = nil) throws -> CommandResult {
        let process = Process()
        process.executableURL = executable.hasPrefix("/")
            ? URL(fileURLWithPath: executable)
            : TestPaths.productsDir.appendingPathComponent(executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try? input.fileHandleForWriting.close()
        // Drain both pipes concurrently so a chatty child never blocks on a full pipe.
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errBox.data = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        let errData = errBox.data
        return CommandResult(status: process.terminationStatus,
                             crashed: process.terminationReason == .uncaughtSignal,
                             stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }
}
