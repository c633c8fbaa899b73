import Foundation

/// Resolves `--model NAME|DIR` to a model directory: a path to an existing directory is used as is;
/// a name is looked up in the models directory ($CAPTIOND_MODELS, else /var/lib/captiond/models for
/// root, else ~/.cache/captiond/models), where scripts/fetch-models installs models.
public enum ModelLocator {
    public static var modelsDirectory: URL {
        let env = ProcessInfo.processInfo.environment
        if let dir = env["CAPTIOND_MODELS"], !dir.isEmpty { return URL(fileURLWithPath: dir) }
        if getuid() == 0 { return URL(fileURLWithPath: "/var/lib/captiond/models") }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/captiond/models")
    }

    public static func resolve(_ nameOrPath: String) throws -> URL {
        var isDir: ObjCBool = false
        let looksLikePath = nameOrPath.contains("/") || nameOrPath.hasPrefix(".")
        if looksLikePath {
            guard FileManager.default.fileExists(atPath: nameOrPath, isDirectory: &isDir), isDir.boolValue else {
                throw ModelsError.modelNotFound(name: nameOrPath, searched: nameOrPath)
            }
            return URL(fileURLWithPath: nameOrPath)
        }
        let dir = modelsDirectory.appendingPathComponent(nameOrPath)
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw ModelsError.modelNotFound(name: nameOrPath, searched: modelsDirectory.path)
        }
        return dir
    }
}
