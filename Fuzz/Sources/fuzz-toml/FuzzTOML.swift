import Daemon

/// captiond.toml: TOMLKit's parser and every key check of Daemon.ConfigLoader (types, ranges,
/// unknown keys and sections) into a DaemonConfig.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTOML(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? ConfigLoader.parse(text, file: "fuzz.toml")
    return 0
}
