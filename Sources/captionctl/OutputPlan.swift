import Foundation
import Streaming

/// Where `transcribe --output` writes each input, decided and checked before any transcription:
/// one file to `--output` itself (or into it, when it is an existing directory); several files
/// into the directory `--output` (created now), as NAME.FORMAT with NAME-2, NAME-3, … for inputs
/// whose names collide, in command-line order. An output that cannot be created or written is an
/// error now, not after an hour of transcription.
struct OutputPlan {
    /// One URL per input, or empty for standard output.
    private(set) var urls: [URL] = []

    init(output: String?, files: [String], format: SubtitleFormat) throws {
        guard let output else { return }
        let fm = FileManager.default
        var isDir: ObjCBool = false
        let exists = fm.fileExists(atPath: output, isDirectory: &isDir)
        if files.count == 1 && !(exists && isDir.boolValue) {
            if exists {
                guard fm.isWritableFile(atPath: output) else {
                    throw CleanExit.failure("--output \(output): the file exists and is not writable; choose another path or fix its permissions")
                }
            } else {
                let parent = (output as NSString).deletingLastPathComponent
                let folder = parent.isEmpty ? "." : parent
                var parentIsDir: ObjCBool = false
                guard fm.fileExists(atPath: folder, isDirectory: &parentIsDir), parentIsDir.boolValue else {
                    throw CleanExit.failure("--output \(output): the folder \(folder) does not exist; create it first or choose another path")
                }
                guard fm.isWritableFile(atPath: folder) else {
                    throw CleanExit.failure("--output \(output): the folder \(folder) is not writable; choose another path or fix its permissions")
                }
            }
            urls = [URL(fileURLWithPath: output)]
            return
        }
        if exists && !isDir.boolValue {
            throw CleanExit.failure("--output \(output): is a file, but \(files.count) inputs need a directory; give a directory path")
        }
        if !exists, let failure = Self.makeDirectories(output) {
            throw CleanExit.failure("--output \(output): cannot create the directory (\(failure)); choose another path")
        }
        guard fm.isWritableFile(atPath: output) else {
            throw CleanExit.failure("--output \(output): the directory is not writable; choose another path or fix its permissions")
        }
        let dir = URL(fileURLWithPath: output, isDirectory: true)
        for (i, name) in Self.uniqueNames(files).enumerated() {
            let fileName = name + "." + format.rawValue
            let plain = Self.baseName(files[i]) + "." + format.rawValue
            if fileName != plain {
                printError("captionctl: \(files[i]): written as \(fileName) (\(plain) is taken by another input)")
            }
            urls.append(dir.appendingPathComponent(fileName))
        }
    }

    func url(for index: Int) -> URL? { urls.isEmpty ? nil : urls[index] }

    func write(_ text: String, to url: URL) throws {
        do { try Data(text.utf8).write(to: url) } catch {
            throw CleanExit.failure("\(url.path): cannot write the output (\(Self.reason(error))); check the space and permissions there")
        }
    }

    /// A file's name without folder and extension.
    static func baseName(_ file: String) -> String {
        let base = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        return base.isEmpty ? "output" : base
    }

    /// NAME for the first input of each name, NAME-2, NAME-3, … for later ones (never a name
    /// another input already uses).
    static func uniqueNames(_ files: [String]) -> [String] {
        var used = Set<String>()
        return files.map { file in
            let base = baseName(file)
            var name = base, k = 2
            while used.contains(name) { name = "\(base)-\(k)"; k += 1 }
            used.insert(name)
            return name
        }
    }

    /// mkdir -p: nil on success, else the folder and the system's reason.
    static func makeDirectories(_ path: String) -> String? {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + part
            if mkdir(prefix, 0o777) != 0 && errno != EEXIST {
                return "\(prefix): \(String(cString: strerror(errno)))"
            }
            var info = stat()
            if stat(prefix, &info) == 0 && info.st_mode & S_IFMT != S_IFDIR {
                return "\(prefix) is a file"
            }
        }
        return nil
    }

    /// The POSIX reason of a Foundation file error, not "NSCocoaErrorDomain error 512".
    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        return ns.localizedDescription
    }
}
