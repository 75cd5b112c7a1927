// swift-tools-version: 6.0
// swkube: a single-node, manifest-driven container orchestrator.
// Targets are listed top of the stack first; dependencies point down only.
import PackageDescription

/// The Swift runtime linked in (the system C libraries stay shared): the daemon idles in less
/// memory (no relocations of the whole shared runtime), swkubectl starts faster, and neither
/// needs the toolchain's directory at run time (docs/architecture.md, "Binaries").
let staticStdlib: [LinkerSetting] = [
    .unsafeFlags(["-static-stdlib"]),
    // Autolinked only by modules built against the static SDK; named here for ours.
    .linkedLibrary("_FoundationCollections"), .linkedLibrary("_FoundationCShims"), .linkedLibrary("swiftSynchronization"),
]

// The executor's modules (and the two it shares) reach generic type metadata through accessor
// functions, not mangled names: a mangled name is resolved at run time, and checking its generic
// requirements scans every protocol conformance record of the static binary (docs/executor.md,
// "Start-up": half of `run`'s instructions and much of its peak RSS).
// Nor do they import _StringProcessing implicitly: its force-load symbol alone links ~900 KB of
// Regex code and metadata into the static executor, paged in by start-up (peak RSS).
let packageDirectory = String(#filePath.dropLast("/Package.swift".count))

let executorCodegen: [SwiftSetting] = [
    .unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors",
                  "-Xfrontend", "-disable-implicit-string-processing-module-import"]),
]

let package = Package(
    name: "swkube",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "swkubelet", targets: ["swkubelet"]),
        .executable(name: "swkubectl", targets: ["swkubectl"]),
        .executable(name: "swkube-runc", targets: ["swkube-runc"]),
        .executable(name: "swkube-shim", targets: ["swkube-shim"]),
        .executable(name: "swkube-pull", targets: ["swkube-pull"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        // Registry HTTP (streaming, TLS with per-registry CAs and client certificates): only
        // swkube-pull links it.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.100.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.30.0"),
    ],
    targets: [
        // MARK: executables (thin: parse, wire, run)
        .executableTarget(
            name: "swkubelet",
            dependencies: [
                "Controller", "CRI", "Runtime", "StateStore", "KubeAPI", "SwkSupport", "SwkYAML", "ImageStore", "DirectoryWatch",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            linkerSettings: staticStdlib),
        .executableTarget(
            name: "swkubectl",
            dependencies: ["KubeCtl", "SwkSupport"],
            linkerSettings: staticStdlib),
        // `swkubectl pull`: swkubectl's commands plus the registry transport (AsyncHTTPClient, NIO),
        // a binary of its own so that every other swkubectl command starts without it.
        .executableTarget(
            name: "swkube-pull",
            dependencies: ["KubeCtl", "RegistryHTTP", "SwkSupport"],
            linkerSettings: staticStdlib),
        // swkubectl's commands and output formatting, as a library so golden tests can run them.
        .target(name: "KubeCtl", dependencies: [
            "StateStore", "ImageStore", "KubeAPI", "SwkYAML", "SwkSupport", "CSwkSys",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // The executor: synchronous, Foundation-free, fully static for start-up speed. lld places
        // the functions its verbs run (symbol-order.txt, from scripts/runc-symbol-order.sh) side
        // by side: start-up then faults in a few 64 KiB windows of text, not most of it.
        .executableTarget(
            name: "swkube-runc",
            dependencies: ["SwkRunc", "CSwkRuncEarly"],
            exclude: ["symbol-order.txt"],
            swiftSettings: executorCodegen,
            linkerSettings: [.unsafeFlags([
                "-static-executable", "-use-ld=lld",
                "-Xlinker", "--symbol-ordering-file=\(packageDirectory)/Sources/swkube-runc/symbol-order.txt",
                "-Xlinker", "--no-warn-symbol-ordering",
            ])]),
        // The per-container monitor: reaps, logs, records the exit; outlives swkubelet.
        .executableTarget(
            name: "swkube-shim",
            dependencies: ["ContainerLog", "SwkSupport", "CSwkSys"],
            linkerSettings: [.unsafeFlags(["-static-executable"])]),

        // MARK: layer 1, the controller
        .target(name: "Controller", dependencies: ["KubeAPI", "CRI", "StateStore", "SwkSupport",
                                                   .product(name: "Logging", package: "swift-log")]),
        .target(name: "KubeAPI", dependencies: ["SwkYAML"]),
        .target(name: "SwkYAML", dependencies: ["CYAML", "SwkSupport"]),
        .target(name: "StateStore", dependencies: ["CSQLite", "SwkSupport"]),

        // MARK: layer 2, the CRI-shaped protocol
        .target(name: "CRI"),

        // MARK: layer 3, images and container lifecycle
        .target(name: "Runtime", dependencies: ["CRI", "ImageStore", "OCI", "SwkSupport", "CSwkSys"]),
        .target(name: "ImageStore", dependencies: ["OCI", "SwkSupport", "SwkYAML", "CSwkSys", "CArchive", "CCrypto"]),
        // Registry HTTP over AsyncHTTPClient: only swkube-pull links it (swkubectl execs it for
        // `pull`, the daemon runs it for pulls); the KubeCtl library gets its transport injected.
        .target(name: "RegistryHTTP", dependencies: [
            "ImageStore", "SwkSupport",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),

        // MARK: layer 4, the executor
        .target(name: "SwkRunc", dependencies: ["OCI", "SwkSupport", "CSwkSys", "CSeccomp"],
                swiftSettings: executorCodegen),

        // MARK: shared foundations
        // The CRI log format and size rotation swkube-shim writes with.
        .target(name: "ContainerLog", dependencies: ["SwkSupport"]),
        // inotify for the manifest directory (its own target: Dispatch stays out of the executor).
        .target(name: "DirectoryWatch", dependencies: ["SwkSupport", "CSwkSys"]),
        .target(name: "OCI", swiftSettings: executorCodegen),
        .target(name: "SwkSupport", dependencies: ["CSwkSys"], swiftSettings: executorCodegen),
        .target(name: "CSwkSys"),
        // swkube-runc's early seal: a constructor that re-executes it before the Swift runtime starts.
        .target(name: "CSwkRuncEarly", dependencies: ["CSwkSys"]),
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        // MARK: tests (Swift Testing)
        .testTarget(name: "SwkSupportTests", dependencies: ["SwkSupport"]),
        .testTarget(name: "SwkYAMLTests", dependencies: ["SwkYAML"]),
        .testTarget(name: "KubeAPITests", dependencies: ["KubeAPI"]),
        .testTarget(name: "ControllerTests", dependencies: ["Controller", "CRI", "StateStore", "KubeAPI", "SwkSupport", "DirectoryWatch", .product(name: "Logging", package: "swift-log"), "TestSupport"]),
        .testTarget(name: "StateStoreTests", dependencies: ["StateStore", "TestSupport"]),
        .testTarget(name: "swkubectlTests", dependencies: ["KubeCtl", "StateStore", "SwkSupport", "TestSupport"]),
        .testTarget(name: "ImageStoreTests", dependencies: ["ImageStore", "RegistryHTTP", "OCI", "SwkSupport", "CArchive", "TestSupport"]),
        .testTarget(name: "SwkRuncTests", dependencies: ["SwkRunc", "OCI", "SwkSupport", "TestSupport"]),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "CRI", "ImageStore", "SwkSupport", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["SwkSupport", "OCI", "TestSupport"]),
        .testTarget(name: "ArchitectureTests", dependencies: ["SwkSupport", "TestSupport"]),
        .testTarget(name: "ShimTests", dependencies: ["ContainerLog", "SwkSupport", "TestSupport"]),
        // What the test targets share: temp directories, the recording fake CRI runtime, the test clock.
        .target(name: "TestSupport", dependencies: ["CRI", "SwkSupport", "CSwkSys"], path: "Tests/TestSupport"),
    ],
    swiftLanguageModes: [.v6]
)
