import Foundation

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
        public init() {}
    }

    public struct Model: Equatable, Sendable {
        public enum Task: String, CaseIterable, Sendable { case transcribe, translate }
        /// An installed model name (looked up in `dir`) or an absolute path to a model directory.
        public var name = "tiny.en"
        public var dir = "/var/lib/captiond/models"
        /// A language code ("en", "zh", …) or "auto" to detect it.
        public var language = "en"
        public var task: Task = .transcribe
        public var beam = 1
        public init() {}

        /// The model directory this configuration names.
        public var path: String { name.hasPrefix("/") ? name : (dir as NSString).appendingPathComponent(name) }
    }

    public struct Streaming: Equatable, Sendable {
        public var stepMs = 500
        public var windowS = 15.0
        public var endpointSilenceMs = 600
        public var maxUtteranceS = 20.0
        /// No word is committed before the utterance's window holds this much audio (seconds).
        public var commitAfterS = 1.0
        /// Tentative (not yet agreed) words shown after the committed ones in a partial.
        public var partialTentativeWords = 2
        /// Decode each whole utterance once more at its end for the final caption.
        public var finalPass = true
        /// Window hypotheses with an average log-probability below this neither commit nor show.
        public var commitLogprob = -0.75
        /// A tentative word is shown only with at least this decoder probability.
        public var tentativeMinProb = 0.6
        /// An agreed word is committed only with at least this decoder probability.
        public var commitMinProb = 0.0
        public init() {}
    }

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
    public var model = Model()
    public var streaming = Streaming()
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
