import XCTest
import Foundation
import TestSupport

/// The module rules, checked on the code: the `import` lines of Sources/ against DESIGN.md's table
/// ("who may import whom") and against each target's dependency list in Package.swift.
final class ImportRulesTests: XCTestCase {
    /// Imports the code needs that DESIGN.md's table does not list yet (each one is for the lead
    /// to settle in DESIGN.md or in the code): none may be added silently.
    static let pendingTableChanges: [String: Set<String>] = [
        // captionctl decodes audio files (Features) and reads caption types (CaptionCore) itself.
        "captionctl": ["Features", "CaptionCore"],
        // Captions in the configured Chinese script (model.script) are converted live with libopencc;
        // a Mandarin audio-visual checkpoint's pinyin becomes hanzi with libpinyin.
        "Streaming": ["COpenCC", "CPinyin"],
    ]

    /// Modules of the toolchain and the OS, always allowed.
    static let platform: Set<String> = ["Foundation", "Glibc", "Darwin", "Dispatch", "XCTest"]
    /// C modules that come with a declared package product (imported by their own name): TOMLKit's
    /// C layer, which Daemon's TOMLDocument reads the configuration through.
    static let productModules: [String: String] = ["CTOML": "TOMLKit"]

    /// target → the modules its Swift files import.
    func sourceImports() throws -> [String: Set<String>] {
        let sources = TestPaths.repoRoot.appendingPathComponent("Sources")
        var out: [String: Set<String>] = [:]
        let fm = FileManager.default
        for target in try fm.contentsOfDirectory(atPath: sources.path).sorted() {
            guard let files = fm.enumerator(atPath: sources.appendingPathComponent(target).path) else { continue }
            var imports: Set<String> = []
            for case let file as String in files where file.hasSuffix(".swift") {
                let text = try String(contentsOf: sources.appendingPathComponent(target).appendingPathComponent(file), encoding: .utf8)
                for line in text.split(separator: "\n") {
                    let words = line.split(separator: " ").map(String.init)
                    guard let i = words.firstIndex(of: "import"), i + 1 < words.count,
                          words[..<i].allSatisfy({ $0.hasPrefix("@") }) else { continue }
                    imports.insert(words[i + 1].split(separator: ".")[0].description)
                }
            }
            out[target] = imports
        }
        return out
    }

    /// target → its declared dependencies (target names and product names) in Package.swift.
    func declaredDependencies() throws -> [String: Set<String>] {
        let text = try String(contentsOf: TestPaths.repoRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        var out: [String: Set<String>] = [:]
        let pattern = try NSRegularExpression(pattern: #"\.(target|executableTarget|testTarget|systemLibrary)\(\s*name:\s*"([^"]+)""#)
        let ns = text as NSString
        for m in pattern.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            let name = ns.substring(with: m.range(at: 2))
            // The dependency list: from "dependencies: [" to its matching "]", before the next target.
            let rest = ns.substring(from: m.range.location + m.range.length)
            let end = rest.range(of: "\n        .")?.lowerBound ?? rest.endIndex
            let decl = String(rest[..<end])
            var deps: Set<String> = []
            if let open = decl.range(of: "dependencies: [") {
                var depth = 1
                var i = open.upperBound
                while i < decl.endIndex, depth > 0 {
                    if decl[i] == "[" { depth += 1 } else if decl[i] == "]" { depth -= 1 }
                    i = decl.index(after: i)
                }
                var list = String(decl[open.upperBound..<i])
                // Products: `.product(name: "X", package: "Y")` declares module X.
                let product = try NSRegularExpression(pattern: #"\.product\(\s*name:\s*"([^"]+)"[^)]*\)"#)
                for q in product.matches(in: list, range: NSRange(location: 0, length: (list as NSString).length)) {
                    deps.insert((list as NSString).substring(with: q.range(at: 1)))
                }
                list = product.stringByReplacingMatches(in: list, range: NSRange(location: 0, length: (list as NSString).length), withTemplate: "")
                let quoted = try NSRegularExpression(pattern: #""([^"]+)""#)
                for q in quoted.matches(in: list, range: NSRange(location: 0, length: (list as NSString).length)) {
                    deps.insert((list as NSString).substring(with: q.range(at: 1)))
                }
            }
            out[name] = deps
        }
        return out
    }

    /// DESIGN.md's table: target → the package modules it may import.
    func designTable() throws -> [String: Set<String>] {
        let path = TestPaths.repoRoot.deletingLastPathComponent().appendingPathComponent("shared/DESIGN.md")
        guard let text = try? String(contentsOf: path, encoding: .utf8) else {
            throw RequiredFixtures.missing("../shared/DESIGN.md not found at \(path.path)")
        }
        var table: [String: Set<String>] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4 else { continue }
            let name = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`")).components(separatedBy: "`")[0]
            let imports = cells[3] == "nothing" ? [] : cells[3].components(separatedBy: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            table[name] = Set(imports.filter { !$0.isEmpty })
        }
        return table
    }

    func testImportsFollowTheDesignTable() throws {
        let table = try designTable()
        XCTAssertEqual(table["Daemon"].map { $0.isDisjoint(with: ["Models", "Features", "Tensor"]) }, true,
                       "DESIGN.md's row for Daemon was not read")
        let imports = try sourceImports()
        let swiftTargets = Set(table.keys)
        for (target, used) in imports.sorted(by: { $0.key < $1.key }) {
            guard let allowed = table[target] else { continue }
            let pending = Self.pendingTableChanges[target] ?? []
            for module in used.sorted() where swiftTargets.contains(module) && module != target {
                XCTAssertTrue(allowed.contains(module) || pending.contains(module),
                              "Sources/\(target) imports \(module), which DESIGN.md's table does not allow (allowed: \(allowed.sorted()))")
            }
        }
        XCTAssertTrue(imports["Daemon", default: []].isDisjoint(with: ["Models", "Features", "Tensor"]),
                      "Daemon imports \(imports["Daemon", default: []].sorted())")
    }

    func testPackageDeclaresExactlyWhatEachTargetImports() throws {
        let imports = try sourceImports()
        let declared = try declaredDependencies()
        let packageModules = Set(declared.keys)
        for (target, used) in imports.sorted(by: { $0.key < $1.key }) {
            guard let deps = declared[target] else { continue }
            let needed = Set(used.map { Self.productModules[$0] ?? $0 }).subtracting(Self.platform).subtracting([target])
            for module in needed.sorted() {
                XCTAssertTrue(deps.contains(module),
                              "Sources/\(target) imports \(module) but Package.swift does not declare it (declared: \(deps.sorted()))")
            }
            for dep in deps.sorted() where !needed.contains(dep) {
                XCTAssertFalse(packageModules.contains(dep) || ["Atomics", "TOMLKit", "ArgumentParser"].contains(dep),
                               "Package.swift declares \(dep) for \(target), which no file of Sources/\(target) imports")
            }
        }
    }
}
