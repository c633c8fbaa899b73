import Foundation

/// `captionctl eval` manifests (EvalManifest.parse: header detection, column lookup, the
/// wrong-column refusals, empty references). EvalManifest.swift is captionctl's own file, linked
/// into this target (an executable target cannot be imported). What it returns must hold: at
/// least one item, each with a path and a non-blank reference.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let manifest = try? EvalManifest.parse(text, path: "<fuzz>", base: URL(fileURLWithPath: "/corpus")) else { return 0 }
    precondition(!manifest.items.isEmpty, "a manifest without items was accepted")
    for item in manifest.items {
        precondition(!item.path.isEmpty, "an item without a path")
        precondition(!item.reference.trimmingCharacters(in: .whitespaces).isEmpty, "an item with a blank reference")
    }
    return 0
}
