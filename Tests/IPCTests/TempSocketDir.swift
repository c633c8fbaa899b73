import Foundation

/// A short-lived directory for test sockets (short enough for sun_path).
final class TempSocketDir {
    let path: String
    init() throws {
        var template = Array("/tmp/cipc-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw NSError(domain: "mkdtemp", code: Int(errno)) }
        path = String(cString: p)
    }
    func socket(_ name: String) -> String { path + "/" + name }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
