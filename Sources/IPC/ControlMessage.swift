import Foundation

/// The settings `set` may change on a running daemon.
public enum ControlSetting: String, CaseIterable, Codable, Sendable {
    case language, task, model
    /// Words to expect, comma-separated (model.hotwords); "" clears them.
    case hotwords
    /// Chinese script of the captions (model.script): simplified, traditional, as-is or pinyin.
    case script
}

/// One request on the control socket: `{"cmd":"status"}`, `{"cmd":"set","key":"language","value":"zh"}`…
public enum ControlRequest: Equatable, Sendable {
    case status, pause, resume, reload
    case set(ControlSetting, String)

    public var command: String {
        switch self {
        case .status: return "status"
        case .pause: return "pause"
        case .resume: return "resume"
        case .reload: return "reload"
        case .set: return "set"
        }
    }

    /// The request as one JSON line (with newline).
    public func encoded() -> Data {
        var obj: [String: String] = ["cmd": command]
        if case let .set(key, value) = self { obj["key"] = key.rawValue; obj["value"] = value }
        var data = (try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])) ?? Data()
        data.append(0x0A)
        return data
    }

    /// Parses one line; the error is the reply to send back.
    public static func parse(_ line: [UInt8]) -> Result<ControlRequest, ControlFailure> {
        guard let text = String(validating: line, as: UTF8.self) else {
            return .failure(ControlFailure(code: .invalidUTF8, message: "request is not valid UTF-8; send one JSON object per line"))
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            return .failure(ControlFailure(code: .badRequest, message: "empty line; send e.g. {\"cmd\":\"status\"}"))
        }
        let any: Any
        do { any = try JSONSerialization.jsonObject(with: Data(trimmed.utf8)) } catch {
            return .failure(ControlFailure(code: .badJSON, message: "request is not valid JSON (\(trimmed.prefix(40))…); send e.g. {\"cmd\":\"status\"}"))
        }
        guard let obj = any as? [String: Any] else {
            return .failure(ControlFailure(code: .badRequest, message: "request must be a JSON object with a \"cmd\" key"))
        }
        guard let cmd = obj["cmd"] as? String else {
            return .failure(ControlFailure(code: .badRequest, message: "missing string key \"cmd\" (one of status, pause, resume, set, reload)"))
        }
        switch cmd {
        case "status": return .success(.status)
        case "pause": return .success(.pause)
        case "resume": return .success(.resume)
        case "reload": return .success(.reload)
        case "set":
            guard let keyName = obj["key"] as? String, let key = ControlSetting(rawValue: keyName) else {
                return .failure(ControlFailure(code: .badRequest, message: "set needs \"key\": one of language, task, model, hotwords, script"))
            }
            guard let value = obj["value"] as? String, !value.isEmpty || key == .hotwords else {
                return .failure(ControlFailure(code: .badRequest, message: "set \(keyName) needs a non-empty string \"value\""))
            }
            return .success(.set(key, value))
        default:
            return .failure(ControlFailure(code: .unknownCommand, message: "unknown command \"\(cmd)\"; known: status, pause, resume, set, reload"))
        }
    }
}

/// Why a request failed; sent back as `{"ok":false,"error":{"code":…,"message":…}}`.
public struct ControlFailure: Error, Codable, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Codable, Sendable {
        case invalidUTF8 = "invalid_utf8", lineTooLong = "line_too_long", badJSON = "bad_json"
        case badRequest = "bad_request", unknownCommand = "unknown_command", badValue = "bad_value", failed
        case tooManyConnections = "too_many_connections"
    }
    public var code: Code
    public var message: String
    public init(code: Code, message: String) { self.code = code; self.message = message }
    public var description: String { "\(code.rawValue): \(message)" }
}

/// The numbers `status` reports.
public struct StatusReport: Codable, Equatable, Sendable {
    public var state: String
    public var model: String
    public var language: String
    public var task: String
    public var rtf: Double
    public var audioSamples: Int
    public var audioDropped: Int
    public var videoFrames: Int
    public var videoDropped: Int
    public var subscribers: Int
    public var uptimeS: Double
    /// Audio seconds captured but not yet decoded, now and at most since start.
    public var lag: Double
    public var maxLag: Double
    /// Set while the model cannot keep up on this machine.
    public var warning: String?
    /// With camera analysis only: faces in view, the speaking face's id (absent when none speaks),
    /// frames analysed per second and frames arriving per second (the analysis may run slower
    /// than the camera to stay within its CPU budget).
    public var faces: Int?
    public var speakingFace: Int?
    public var videoAnalysisFps: Double?
    public var videoFps: Double?
    /// The custom vocabulary and Chinese script in use (model.hotwords, model.script).
    public var hotwords: String?
    public var script: String?

    public init(state: String, model: String, language: String, task: String, rtf: Double,
                audioSamples: Int, audioDropped: Int, videoFrames: Int, videoDropped: Int,
                subscribers: Int, uptimeS: Double, lag: Double = 0, maxLag: Double = 0, warning: String? = nil,
                faces: Int? = nil, speakingFace: Int? = nil,
                videoAnalysisFps: Double? = nil, videoFps: Double? = nil,
                hotwords: String? = nil, script: String? = nil) {
        self.hotwords = hotwords; self.script = script
        self.lag = lag; self.maxLag = maxLag; self.warning = warning
        self.faces = faces; self.speakingFace = speakingFace
        self.videoAnalysisFps = videoAnalysisFps; self.videoFps = videoFps
        self.state = state; self.model = model; self.language = language; self.task = task; self.rtf = rtf
        self.audioSamples = audioSamples; self.audioDropped = audioDropped
        self.videoFrames = videoFrames; self.videoDropped = videoDropped
        self.subscribers = subscribers; self.uptimeS = uptimeS
    }
    enum CodingKeys: String, CodingKey {
        case state, model, language, task, rtf, subscribers
        case audioSamples = "audio_samples", audioDropped = "audio_dropped"
        case videoFrames = "video_frames", videoDropped = "video_dropped", uptimeS = "uptime_s"
        case lag, maxLag = "lag_max", warning
        case faces, speakingFace = "speaking_face", videoAnalysisFps = "video_analysis_fps", videoFps = "video_fps"
        case hotwords, script
    }
}

/// One reply line: `{"ok":true,"cmd":"status","status":{…}}` or `{"ok":false,"error":{…}}`.
public struct ControlReply: Codable, Equatable, Sendable {
    public var ok: Bool
    public var cmd: String?
    public var message: String?
    public var status: StatusReport?
    public var error: ControlFailure?

    public init(ok: Bool, cmd: String? = nil, message: String? = nil, status: StatusReport? = nil, error: ControlFailure? = nil) {
        self.ok = ok; self.cmd = cmd; self.message = message; self.status = status; self.error = error
    }
    public static func success(_ cmd: String, message: String? = nil, status: StatusReport? = nil) -> ControlReply {
        ControlReply(ok: true, cmd: cmd, message: message, status: status)
    }
    public static func failure(_ f: ControlFailure, cmd: String? = nil) -> ControlReply {
        ControlReply(ok: false, cmd: cmd, error: f)
    }

    public func encoded() -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = (try? e.encode(self)) ?? Data("{\"ok\":false,\"error\":{\"code\":\"failed\",\"message\":\"reply could not be encoded\"}}".utf8)
        data.append(0x0A)
        return data
    }

    public static func decode(_ line: [UInt8]) throws -> ControlReply {
        do { return try JSONDecoder().decode(ControlReply.self, from: Data(line)) } catch {
            throw IPCError.malformed(what: "control reply", reason: "\(error)")
        }
    }
}
