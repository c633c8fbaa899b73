import Foundation
import CaptionCore
import IPC
import Streaming

/// Reads captiond.toml: every key is checked for type and range, and an unknown key or section
/// stops start-up with its dotted path and the reason.
public enum ConfigLoader {
    /// Loads `path`; a missing file at the default path yields the defaults.
    public static func load(path: String, missingIsDefault: Bool = false) throws -> DaemonConfig {
        guard FileManager.default.fileExists(atPath: path) else {
            if missingIsDefault { return DaemonConfig() }
            throw DaemonError.configUnreadable(path: path, reason: "no such file")
        }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw DaemonError.configUnreadable(path: path, reason: "\(error.localizedDescription) (it must be readable UTF-8 text)")
        }
        let name = (path as NSString).lastPathComponent
        let config = try parse(text, file: name)
        try checkInputs(config, file: name)
        return config
    }

    /// Parses configuration text; `file` names it in error messages.
    public static func parse(_ text: String, file: String = "captiond.toml") throws -> DaemonConfig {
        if let (line, column, reason) = TOMLAbortCheck.firstAbortingShape(text) {
            throw DaemonError.configSyntax(file: file, line: line, column: column, reason: reason)
        }
        let document: TOMLDocument
        do { document = try TOMLDocument(text) } catch let e as TOMLDocument.SyntaxError {
            throw DaemonError.configSyntax(file: file, line: e.line, column: e.column, reason: e.description)
        }
        // The readers below look into the document's tree: it lives until parse returns.
        return try withExtendedLifetime(document) { try read(document.table, file: file) }
    }

    private static func read(_ root: TOMLDocument.Table, file: String) throws -> DaemonConfig {
        var c = DaemonConfig()
        let sections = ["audio", "video", "model", "streaming", "sockets", "log"]
        for key in root.keys where !sections.contains(key) {
            throw DaemonError.config(file: file, key: key, reason: "unknown section (known: \(sections.joined(separator: ", ")))")
        }
        func section(_ name: String) throws -> TableReader {
            guard let v = root[name] else { return TableReader(table: nil, path: name, file: file) }
            guard let t = v.table else {
                throw DaemonError.config(file: file, key: name, reason: "expected a table ([\(name)]), got \(TableReader.show(v))")
            }
            return TableReader(table: t, path: name, file: file)
        }

        var r = try section("audio")
        c.audio.source = try r.choice("source", c.audio.source)
        c.audio.device = try r.string("device", c.audio.device, nonEmpty: true)
        c.audio.file = try r.string("file", c.audio.file)
        c.audio.pace = try r.choice("pace", c.audio.pace)
        c.audio.loop = try r.bool("loop", c.audio.loop)
        try r.rejectUnknown()
        if c.audio.source == .file && c.audio.file.isEmpty {
            throw DaemonError.config(file: file, key: "audio.file", reason: "audio.source is \"file\" but no file is set; give the path of a WAV or raw 16-kHz PCM file")
        }

        r = try section("video")
        c.video.enabled = try r.bool("enabled", c.video.enabled)
        c.video.source = try r.choice("source", c.video.source)
        c.video.device = try r.string("device", c.video.device, nonEmpty: true)
        c.video.file = try r.string("file", c.video.file)
        let size = try r.string("size", "\(c.video.width)x\(c.video.height)")
        let parts = size.split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, (16...4096).contains(parts[0]), (16...4096).contains(parts[1]) else {
            throw DaemonError.config(file: file, key: "video.size", reason: "expected \"WIDTHxHEIGHT\" with each between 16 and 4096 (e.g. \"640x480\"), got \"\(size)\"")
        }
        c.video.width = parts[0]; c.video.height = parts[1]
        c.video.fps = try r.int("fps", c.video.fps, 1...120)
        c.video.gate = try r.choice("gate", c.video.gate)
        c.video.analysisFps = try r.double("analysis_fps", c.video.analysisFps, 1...60)
        c.video.loop = try r.bool("loop", c.video.loop)
        try r.rejectUnknown()
        if c.video.enabled && c.video.source == .file && c.video.file.isEmpty {
            throw DaemonError.config(file: file, key: "video.file", reason: "video.source is \"file\" but no file is set; give the path of a Y4M file")
        }

        r = try section("model")
        c.model.name = try r.string("name", c.model.name, nonEmpty: true)
        c.model.dir = try r.string("dir", c.model.dir, nonEmpty: true)
        c.model.language = try r.string("language", c.model.language, nonEmpty: true)
        guard Self.isLanguage(c.model.language) else {
            throw DaemonError.config(file: file, key: "model.language", reason: "expected \"auto\" or a 2–3 letter language code such as \"en\" or \"zh\", got \"\(c.model.language)\"")
        }
        c.model.task = try r.choice("task", c.model.task)
        c.model.beam = try r.int("beam", c.model.beam, 1...16)
        c.model.compute = try r.choice("compute", c.model.compute)
        c.model.prompt = try r.string("prompt", c.model.prompt, nonEmpty: false)
        c.model.hotwords = try r.string("hotwords", c.model.hotwords, nonEmpty: false)
        c.model.script = try r.choice("script", c.model.script)
        c.model.avDecoding.width = try r.int("av_beam", c.model.avDecoding.width, 1...32)
        let lm = try r.string("av_lm", c.model.avDecoding.languageModel ?? "", nonEmpty: false)
        c.model.avDecoding.languageModel = lm.isEmpty ? nil : lm
        try r.rejectUnknown()

        r = try section("streaming")
        for key in StreamingConfiguration.keys {
            switch key.kind {
            case let .int(range, path):
                c.streaming[keyPath: path] = try r.int(key.name, c.streaming[keyPath: path], range)
            case let .number(range, scale, path):
                c.streaming[keyPath: path] = try r.double(key.name, c.streaming[keyPath: path] / scale, range) * scale
            case let .bool(path):
                c.streaming[keyPath: path] = try r.bool(key.name, c.streaming[keyPath: path])
            }
        }
        try r.rejectUnknown()
        // Live audio (a device, or a file played in real time) is paced by the measured compute.
        c.streaming.followsCaptureClock = c.audio.source == .alsa || c.audio.pace == .realtime
        c.streaming.video.enabled = c.video.enabled
        c.streaming.video.gate = c.video.gate
        c.streaming.video.analysisFps = c.video.analysisFps
        do { try c.streaming.validate() } catch let StreamingError.invalidConfiguration(key, value, reason) {
            throw DaemonError.config(file: file, key: "streaming.\(key)", reason: "\(reason), got \(value)")
        }

        r = try section("sockets")
        c.sockets.captions = try r.path("captions", c.sockets.captions)
        c.sockets.control = try r.path("control", c.sockets.control)
        let mode = try r.string("mode", String(c.sockets.mode, radix: 8))
        guard let m = UInt32(mode, radix: 8), m <= 0o777, mode.count >= 3 else {
            throw DaemonError.config(file: file, key: "sockets.mode", reason: "expected an octal file mode as a string such as \"0660\", got \"\(mode)\"")
        }
        c.sockets.mode = m
        c.sockets.group = try r.string("group", c.sockets.group)
        c.sockets.queueLines = try r.int("queue_lines", c.sockets.queueLines, 8...100_000)
        c.sockets.maxSubscribers = try r.int("max_subscribers", c.sockets.maxSubscribers, 1...1_000_000)
        c.sockets.maxControlConnections = try r.int("max_control_connections", c.sockets.maxControlConnections, 1...10_000)
        try r.rejectUnknown()
        if c.sockets.captions == c.sockets.control {
            throw DaemonError.config(file: file, key: "sockets.control", reason: "must differ from sockets.captions (\(c.sockets.captions))")
        }

        r = try section("log")
        c.log.level = try r.choice("level", c.log.level)
        try r.rejectUnknown()
        return c
    }

    /// Why `path` cannot be an input file (a directory, a socket), or nil. A FIFO, a character
    /// device or "-" (standard input) are inputs; a missing file is reported when it is opened.
    public static func inputFileProblem(_ path: String, what: String) -> String? {
        guard path != "-" else { return nil }
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFREG, S_IFIFO, S_IFCHR: return nil
        case S_IFDIR: return "\(path) is a directory; give the path of \(what)"
        default: return "\(path) is not a file, FIFO or character device; give the path of \(what)"
        }
    }

    /// Checks the input files the configuration names, at start-up and on reload (the text parses
    /// without touching the file system): a directory where a file is needed stops start-up
    /// with the key's path.
    public static func checkInputs(_ c: DaemonConfig, file: String) throws {
        if c.audio.source == .file, let problem = inputFileProblem(c.audio.file, what: "an audio file (WAV, FLAC, MP3, …) or raw 16-kHz S16_LE PCM") {
            throw DaemonError.config(file: file, key: "audio.file", reason: problem)
        }
        if c.video.enabled, c.video.source == .file, let problem = inputFileProblem(c.video.file, what: "a Y4M file") {
            throw DaemonError.config(file: file, key: "video.file", reason: problem)
        }
    }

    static func isLanguage(_ s: String) -> Bool {
        s == "auto" || ((2...3).contains(s.count) && s.allSatisfy { $0.isASCII && $0.isLowercase })
    }
}

/// Typed, range-checked access to one TOML table that remembers which keys were read.
struct TableReader {
    /// nil: the section is absent (every key takes its default).
    let table: TOMLDocument.Table?
    let path: String
    let file: String
    private var seen: Set<String> = []

    init(table: TOMLDocument.Table?, path: String, file: String) { self.table = table; self.path = path; self.file = file }

    static func show(_ v: TOMLDocument.Node) -> String {
        if let s = v.string { return "\"\(s)\"" }
        if let i = v.int { return String(i) }
        if let d = v.double { return String(d) }
        if let b = v.bool { return String(b) }
        return v.kind
    }

    private func fail(_ key: String, _ reason: String) -> DaemonError {
        .config(file: file, key: "\(path).\(key)", reason: reason)
    }

    mutating func int(_ key: String, _ def: Int, _ range: ClosedRange<Int>) throws -> Int {
        seen.insert(key)
        guard let v = table?[key] else { return def }
        guard let i = v.int, range.contains(i) else {
            throw fail(key, "expected an integer between \(range.lowerBound) and \(range.upperBound), got \(Self.show(v))")
        }
        return i
    }

    mutating func double(_ key: String, _ def: Double, _ range: ClosedRange<Double>) throws -> Double {
        seen.insert(key)
        guard let v = table?[key] else { return def }
        guard let d = v.double ?? v.int.map(Double.init), range.contains(d) else {
            throw fail(key, "expected a number between \(range.lowerBound) and \(range.upperBound), got \(Self.show(v))")
        }
        return d
    }

    mutating func bool(_ key: String, _ def: Bool) throws -> Bool {
        seen.insert(key)
        guard let v = table?[key] else { return def }
        guard let b = v.bool else { throw fail(key, "expected true or false, got \(Self.show(v))") }
        return b
    }

    mutating func string(_ key: String, _ def: String, nonEmpty: Bool = false) throws -> String {
        seen.insert(key)
        guard let v = table?[key] else { return def }
        guard let s = v.string else { throw fail(key, "expected a string, got \(Self.show(v))") }
        if nonEmpty && s.isEmpty { throw fail(key, "must not be empty") }
        return s
    }

    mutating func path(_ key: String, _ def: String) throws -> String {
        let s = try string(key, def, nonEmpty: true)
        guard s.hasPrefix("/") else { throw fail(key, "expected an absolute path, got \"\(s)\"") }
        return s
    }

    mutating func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ def: T) throws -> T where T.RawValue == String {
        seen.insert(key)
        guard let v = table?[key] else { return def }
        let names = T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        guard let s = v.string, let value = T(rawValue: s) else { throw fail(key, "expected one of \(names), got \(Self.show(v))") }
        return value
    }

    func rejectUnknown() throws {
        for key in (table?.keys ?? []).sorted() where !seen.contains(key) {
            throw fail(key, "unknown key (known: \(seen.sorted().joined(separator: ", ")))")
        }
    }
}
