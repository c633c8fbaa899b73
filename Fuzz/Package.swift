// swift-tools-version:6.0
// libFuzzer harnesses for every parser of outside input (issue 9). Built only by `make fuzz`
// (scripts/fuzz): `swift build --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address
// -Xswiftc -O` in the debug configuration, so that the library code keeps Swift's bounds and
// overflow checks (release adds -Ounchecked) and `@testable import` reaches internal entry points.
// The repeated -sanitize matters: swiftc keeps only the LAST -sanitize= flag, and SwiftPM passes
// `-sanitize=fuzzer -sanitize=address` separately (no coverage then); the combined flag after them wins. Each target is one libFuzzer
// binary exporting LLVMFuzzerTestOneInput; libFuzzer supplies main.
import PackageDescription

func harness(_ name: String, _ deps: [Target.Dependency]) -> Target {
    .executableTarget(name: name, dependencies: deps + [.product(name: "CaptiondParsers", package: "captiond")],
                      path: "Sources/\(name)", swiftSettings: [.unsafeFlags(["-parse-as-library"])])
}

let package = Package(
    name: "captiond-fuzz",
    dependencies: [.package(name: "captiond", path: "..")],
    targets: [
        .target(name: "FuzzSupport", path: "Sources/FuzzSupport"),
        harness("fuzz-wav", []),
        harness("fuzz-flac", []),
        harness("fuzz-y4m", ["FuzzSupport"]),
        harness("fuzz-pcm", ["FuzzSupport"]),
        harness("fuzz-ct2", []),
        harness("fuzz-safetensors", []),
        harness("fuzz-tokenizer", []),
        harness("fuzz-modelconfig", []),
        harness("fuzz-toml", []),
        harness("fuzz-control", []),
        harness("fuzz-tflite", []),
        harness("fuzz-transcript", []),
        // EvalManifest.swift is a link to captionctl's file (executables cannot be imported).
        .executableTarget(name: "fuzz-manifest", path: "Sources/fuzz-manifest",
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
    ],
    swiftLanguageModes: [.v5]
)
