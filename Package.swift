// swift-tools-version:6.0
// captiond — real-time audio-visual captioning service. See ../shared/DESIGN.md for the module map.
import PackageDescription

// Release builds are -O with whole-module optimisation (SwiftPM's default) for every target:
// bounds and overflow checks stay on, so a missed bound in a parser traps instead of corrupting
// memory. -Ounchecked did not pay: `captionctl transcribe` of jfk.wav + english.wav with tiny.en,
// 1 thread, user CPU 3.54/3.68/3.74 s (-Ounchecked) vs 3.50/3.82/3.90 s (-O), identical output;
// the hot loops are OpenBLAS and the C kernels (CVectorKernels, -O3), which no Swift flag changes.

// `make sanitize` (scripts/sanitize) sets CAPTIOND_UBSAN=1 beside --sanitize=address: the C kernels
// then also trap on undefined behaviour (shifts, overflow, misaligned or null pointers). Swift has no
// UBSan; its own checks cover that side. The handlers come with the ASan runtime.
let undefinedBehaviorSanitizer: [CSetting] = Context.environment["CAPTIOND_UBSAN"] == "1"
    ? [.unsafeFlags(["-fsanitize=undefined", "-fno-sanitize-recover=undefined"])] : []

// The modules that parse outside input, one library product each ("ParsersIPC"…) for the libFuzzer
// harnesses of the package in Fuzz/: a harness links only its parser's module and what that imports,
// so libFuzzer scans only those coverage counters after every input (one product of all nine put
// 135,460 counters in every harness, a scan that took 31-39 % of the small harnesses' time).
let parserProducts: [Product] = ["CaptionCore", "Features", "Capture", "Tensor", "Models", "IPC", "Daemon", "Vision", "Streaming", "Training"]
    .map { .library(name: "Parsers\($0)", targets: [$0]) }

let package = Package(
    name: "captiond",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "captiond", targets: ["captiond"]),
        .executable(name: "captionctl", targets: ["captionctl"]),
    ] + parserProducts,
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.3.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        // HTTP for `captionctl overlay` only (CaptionOverlay); captiond never links it.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.14.0"),
    ],
    targets: [
        // System libraries: module maps plus thin shims where C macros must become functions.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CALSA", path: "Sources/CALSA", pkgConfig: "alsa",
                       providers: [.apt(["libasound2-dev"])]),
        .systemLibrary(name: "CV4L2", path: "Sources/CV4L2"),
        .systemLibrary(name: "CSystemd", path: "Sources/CSystemd", pkgConfig: "libsystemd",
                       providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "COpenCC", path: "Sources/COpenCC", pkgConfig: "opencc",
                       providers: [.apt(["libopencc-dev"])]),
        .systemLibrary(name: "CPinyin", path: "Sources/CPinyin", pkgConfig: "libpinyin",
                       providers: [.apt(["libpinyin15-dev", "libpinyin-data"])]),
        .systemLibrary(name: "CEspeak", path: "Sources/CEspeak", pkgConfig: "espeak-ng",
                       providers: [.apt(["libespeak-ng-dev"])]),

        // AVX2 + FMA elementwise kernels (softmax, GELU), selected at run time by Tensor.
        .target(name: "CVectorKernels", path: "Sources/CVectorKernels",
                cSettings: [.unsafeFlags(["-O3"], .when(configuration: .release))] + undefinedBehaviorSanitizer),

        // Libraries (imports follow DESIGN.md; arrows go one way).
        .target(name: "CaptionCore", dependencies: [.product(name: "Atomics", package: "swift-atomics")]),
        .target(name: "Tensor", dependencies: ["CBLAS", "CVectorKernels"]),
        .target(name: "Features", dependencies: ["CaptionCore"]),
        .target(name: "Models", dependencies: ["Tensor", "Features", "CZlib", "CBLAS", "CVectorKernels"]),
        .target(name: "Vision", dependencies: ["Tensor", "Features", "CaptionCore", "CVectorKernels"]),
        .target(name: "Streaming", dependencies: ["Models", "Vision", "Features", "CaptionCore", "COpenCC", "CPinyin"]),
        .target(name: "Capture", dependencies: ["CALSA", "CV4L2", "CaptionCore",
                                          .product(name: "Atomics", package: "swift-atomics")]),
        .target(name: "IPC", dependencies: ["CaptionCore"]),
        .target(name: "Metrics", dependencies: ["COpenCC"]),
        .target(name: "Training", dependencies: ["Tensor", "Features", "Models", "CEspeak"]),
        .target(name: "Daemon", dependencies: [
            "Capture", "Streaming", "IPC", "CSystemd", "CaptionCore",
            .product(name: "TOMLKit", package: "TOMLKit"),
        ]),

        // `captionctl overlay`: the caption page over HTTP on loopback (server-sent events),
        // bridging the caption socket. Only captionctl links it: the daemon has no network code.
        .target(name: "CaptionOverlay", dependencies: [
            "IPC", "CaptionCore",
            // swift-metrics (under Hummingbird) has a module named Metrics, as ours: alias theirs.
            .product(name: "Hummingbird", package: "hummingbird", moduleAliases: ["Metrics": "SwiftMetrics"]),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Executables stay thin.
        .executableTarget(name: "captiond", dependencies: ["Daemon"]),
        .executableTarget(name: "capture-bench", dependencies: ["Capture", "Features", "CaptionCore"]),
        .executableTarget(name: "captionctl", dependencies: [
            "IPC", "Models", "Features", "Streaming", "Metrics", "Capture", "CaptionCore", "Vision", "Training",
            "CaptionOverlay",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "TOMLKit", package: "TOMLKit"),
        ]),

        // Tests: one target per library; shared path helpers in TestSupport.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // Writers only tests use (checkpoints for the readers' tests).
        .target(name: "TensorTestSupport", dependencies: ["Tensor"], path: "Tests/TensorTestSupport"),
        .testTarget(name: "CaptionCoreTests", dependencies: ["CaptionCore", "TestSupport"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "CVectorKernels", "TestSupport", "TensorTestSupport"]),
        .testTarget(name: "FeaturesTests", dependencies: ["Features", "CaptionCore", "TestSupport"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Features", "Tensor", "TestSupport", "TensorTestSupport"]),
        .testTarget(name: "VisionTests", dependencies: ["Vision", "Features", "Tensor", "TestSupport"]),
        .testTarget(name: "StreamingTests", dependencies: ["Streaming", "Models", "Vision", "Features", "CaptionCore", "TestSupport"]),
        .testTarget(name: "CaptureTests", dependencies: ["Capture", "Features", "CALSA", "CV4L2", "TestSupport"]),
        .testTarget(name: "IPCTests", dependencies: ["IPC", "TestSupport"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Models", "Features", "Tensor", "TestSupport"]),
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "Streaming", "Capture", "Features", "IPC", "CaptionCore", "Metrics", "TestSupport"]),
        .testTarget(name: "CaptionctlTests", dependencies: ["captionctl", "captiond", "Metrics", "Streaming", "IPC", "CaptionCore", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
