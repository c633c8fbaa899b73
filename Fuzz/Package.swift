// swift-tools-version:6.0
// libFuzzer harnesses for every parser of outside input (issue 9). Built only by `make fuzz`
// (scripts/fuzz): `swift build --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address
// -Xswiftc -O` in the debug configuration, so that the library code keeps Swift's bounds and
// overflow checks (release adds -Ounchecked) and `@testable import` reaches internal entry points.
// The repeated -sanitize matters: swiftc keeps only the LAST -sanitize= flag, and SwiftPM passes
// `-sanitize=fuzzer -sanitize=address` separately (no coverage then); the combined flag after them wins. Each target is one libFuzzer
// binary exporting LLVMFuzzerTestOneInput; libFuzzer supplies main.
import PackageDescription

// A harness links only the modules it names (the root package's "Parsers<Module>" products) and
// what they import: libFuzzer scans every linked coverage counter after each input, so a harness
// carrying all nine modules (135,460 counters) spent 31-39 % of its time in that scan.
func harness(_ name: String, _ modules: [String], _ deps: [Target.Dependency] = []) -> Target {
    .executableTarget(name: name, dependencies: deps + modules.map { .product(name: "Parsers\($0)", package: "captiond") },
                      path: "Sources/\(name)", swiftSettings: [.unsafeFlags(["-parse-as-library"])])
}

let package = Package(
    name: "captiond-fuzz",
    dependencies: [.package(name: "captiond", path: "..")],
    targets: [
        .target(name: "FuzzSupport", path: "Sources/FuzzSupport"),
        harness("fuzz-wav", ["Features"]),
        harness("fuzz-flac", ["Features"]),
        harness("fuzz-y4m", ["Capture"], ["FuzzSupport"]),
        harness("fuzz-pcm", ["Capture", "Features"], ["FuzzSupport"]),
        harness("fuzz-ct2", ["Tensor"]),
        harness("fuzz-safetensors", ["Tensor"]),
        harness("fuzz-tokenizer", ["Models"]),
        harness("fuzz-modelconfig", ["Models"]),
        harness("fuzz-arpa", ["Models"]),
        harness("fuzz-toml", ["Daemon"]),
        harness("fuzz-control", ["IPC"]),
        harness("fuzz-tflite", ["Vision"]),
        harness("fuzz-transcript", ["Streaming", "CaptionCore"]),
        harness("fuzz-pinyin", ["Streaming"]),
        harness("fuzz-avsettings", ["Training"]),
        // EvalManifest.swift is a link to captionctl's file (executables cannot be imported).
        .executableTarget(name: "fuzz-manifest", path: "Sources/fuzz-manifest",
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
    ],
    swiftLanguageModes: [.v5]
)
