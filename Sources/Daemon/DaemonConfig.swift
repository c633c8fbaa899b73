import Foundation
import Streaming

/// The daemon's configuration; every default here is documented in Config/captiond.toml and
/// docs/CONFIGURATION.md.
public struct DaemonConfig: Equatable, Sendable {
    public static let defaultPath = "/etc/captiond/captiond.toml"

    public struct Audio: Equatable, Sendable {
        public enum Source: String, CaseIterable, Sendable { case alsa, file }
        public enum Pace: String, CaseIterable, Sendable { case realtime, fast }
        public var source: Source = .alsa
        /// ALSA PCM name (source = "alsa").
        public var device = "default"
        /// WAV or raw 16-kHz PCM path (source = "file").
        public var file = ""
        /// For file sources: deliver at real-time pace or as fast as the pipeline takes it.
        public var pace: Pace = .realtime
        /// For file sources: start again from the beginning at end of input (soak runs, demos).
        public var loop = false
        public init() {}
    }

    public struct Video: Equatable, Sendable {
        public enum Source: String, CaseIterable, Sendable { case v4l2, file }
        public var enabled = false
        public var source: Source = .v4l2
        public var device = "/dev/video0"
        /// Y4M path (source = "file").
        public var file = ""
        public var width = 640
        public var height = 480
        public var fps = 30
        /// What the camera does for captions: "tag" (speaker labels), "strict" (only speech of a
        /// face on camera), "off".
        public var gate: VideoGate = .tag
        /// Frames per second the face analysis processes at most (the rest are skipped).
        public var analysisFps: Double = 12
        /// For file sources: start again from the beginning at end of input.
        public var loop = false
        public init() {}
    }

    /// The model section is Streaming's `ModelSettings`; the streaming section is
    /// `StreamingConfiguration` (its keys: `StreamingConfiguration.keys`).
    public typealias Model = ModelSettings

    public struct Sockets: Equatable, Sendable {
        public var captions = "/run/captiond/captions.sock"
        public var control = "/run/captiond/control.sock"
        /// File mode of both sockets.
        public var mode: UInt32 = 0o660
        /// Group owning both sockets; "" keeps the daemon's group.
        public var group = "captiond"
        /// Lines a subscriber may fall behind before it is disconnected.
        public var queueLines = 256
        /// Caption subscribers served at once; one more gets a `too_many_subscribers` error line.
        public var maxSubscribers = 4096
        /// Control connections open at once; one more gets a `too_many_connections` reply.
        public var maxControlConnections = 64
        public init() {}
    }

    public struct Log: Equatable, Sendable {
        public var level: LogLevel = .info
        public init() {}
    }

    public var audio = Audio()
    public var video = Video()
    public var model = ModelSettings()
    /// (`followsCaptureClock` matches the default audio, an ALSA device; ConfigLoader sets it
    /// from `audio.source` and `audio.pace`.)
    public var streaming: StreamingConfiguration = {
        var s = StreamingConfiguration()
        s.followsCaptureClock = true
        return s
    }()
    public var sockets = Sockets()
    public var log = Log()

    public init() {}
}

/// Log priorities, named as syslog/journald name them.
public enum LogLevel: String, CaseIterable, Comparable, Sendable {
    case debug, info, notice, warning, error

    /// The syslog priority number (journal PRIORITY=).
    public var priority: Int32 {
        switch self {
        case .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        }
    }

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.priority > b.priority }
}
