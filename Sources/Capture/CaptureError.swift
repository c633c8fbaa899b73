import Foundation

/// Errors of the Capture module: what failed, on which device or file, and how to fix it.
public enum CaptureError: Error, CustomStringConvertible, Equatable {
    /// An alsa-lib call failed: the function, the PCM name and alsa's error code (negative errno).
    case alsa(function: String, device: String, code: Int32)
    /// A system call on a device failed: the call, the device path and errno.
    case system(call: String, path: String, errno: Int32)
    /// The device cannot do what capture needs (no capture capability, no usable format, …).
    case unsupportedDevice(path: String, reason: String)
    /// The driver returned something inconsistent (short buffer, bad index, …).
    case malformedBuffer(path: String, reason: String)
    /// A file or pipe source with bad content: where (byte offset or frame) and what.
    case invalidInput(source: String, reason: String)
    /// A configuration value capture cannot use.
    case invalidConfiguration(key: String, reason: String)
    /// The device kept failing and capture gave up after the configured attempts.
    case gaveUp(device: String, attempts: Int, lastError: String)

    public var description: String {
        switch self {
        case let .alsa(function, device, code):
            let text = String(cString: strerror(-code))
            return "ALSA \(function) on '\(device)' failed: \(text) (\(code)); check the PCM name with `captionctl devices`"
        case let .system(call, path, errno):
            return "\(call) on \(path) failed: \(String(cString: strerror(errno))) (errno \(errno))"
        case let .unsupportedDevice(path, reason):
            return "\(path): \(reason)"
        case let .malformedBuffer(path, reason):
            return "\(path): malformed buffer from the driver: \(reason)"
        case let .invalidInput(source, reason):
            return "\(source): \(reason)"
        case let .invalidConfiguration(key, reason):
            return "capture setting '\(key)': \(reason)"
        case let .gaveUp(device, attempts, lastError):
            return "\(device): gave up after \(attempts) attempts to reopen; last error: \(lastError)"
        }
    }
}
