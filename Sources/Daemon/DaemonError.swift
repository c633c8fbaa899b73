import Foundation

/// Every failure of the Daemon module, with the context needed to fix it.
public enum DaemonError: Error, CustomStringConvertible, Equatable {
    /// A configuration key with a bad value, an unknown key, or a wrong type.
    case config(file: String, key: String, reason: String)
    /// The configuration file is not valid TOML.
    case configSyntax(file: String, line: Int, column: Int, reason: String)
    /// The configuration file could not be read.
    case configUnreadable(path: String, reason: String)
    /// A C call failed: function, target and errno.
    case system(function: String, target: String, errno: Int32)
    /// Socket activation passed descriptors the daemon cannot use.
    case socketActivation(reason: String)
    /// A pipeline stage (capture, recognizer) failed to start or run.
    case stage(name: String, reason: String)
    /// A command-line argument is wrong.
    case usage(String)

    public var description: String {
        switch self {
        case let .config(file, key, reason): return "\(file): \(key): \(reason)"
        case let .configSyntax(file, line, column, reason): return "\(file):\(line):\(column): invalid TOML: \(reason)"
        case let .configUnreadable(path, reason): return "cannot read configuration \(path): \(reason)"
        case let .system(function, target, code):
            return "\(function)(\(target)) failed: \(String(cString: strerror(code))) (errno \(code))"
        case let .socketActivation(reason): return "socket activation: \(reason)"
        case let .stage(name, reason): return "\(name): \(reason)"
        case let .usage(message): return message
        }
    }
}
