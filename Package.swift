// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Klein",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "klein", targets: ["klein"]),
        .library(name: "KleinOCI", targets: ["KleinOCI"]),
        .library(name: "KleinConfig", targets: ["KleinConfig"]),
        .library(name: "KleinStore", targets: ["KleinStore"]),
        .library(name: "KleinArchive", targets: ["KleinArchive"]),
        .library(name: "KleinClient", targets: ["KleinClient"]),
        .library(name: "KleinServer", targets: ["KleinServer"]),
        .library(name: "KleinRegistry", targets: ["KleinRegistry"]),
        .library(name: "KleinBuild", targets: ["KleinBuild"]),
        .library(name: "KleinRuntime", targets: ["KleinRuntime"]),
        .library(name: "KleinPlatform", targets: ["KleinPlatform"]),
        .library(name: "KleinScheduler", targets: ["KleinScheduler"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/swift-extras/swift-extras-base64.git", from: "1.2.0"),
    ],
    targets: [
        .target(name: "KleinSystem"),
        .target(
            name: "KleinOCI",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // KleinConfig reads and writes its trees as the canonical JSON KleinOCI owns (build specs and
        // platform manifests are recorded so): an arrow up DESIGN.md's table, not a copy of the codec.
        .target(name: "KleinConfig", dependencies: ["KleinOCI", .product(name: "TOMLKit", package: "TOMLKit")]),
        .target(name: "KleinStore", dependencies: ["KleinOCI", "KleinSystem"]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CXattr"),
        .target(name: "KleinArchive", dependencies: ["KleinOCI", "KleinSystem", "CZlib", "CZstd", "CXattr"]),
        .target(
            name: "KleinClient",
            dependencies: [
                "KleinOCI", "KleinStore", "KleinSystem",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "KleinServer",
            dependencies: [
                "KleinOCI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "KleinRegistry",
            dependencies: [
                "KleinOCI", "KleinStore", "KleinConfig", "KleinServer", "KleinSystem",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "ExtrasBase64", package: "swift-extras-base64"),
            ]
        ),
        .target(
            name: "KleinBuild",
            dependencies: [
                "KleinOCI", "KleinStore", "KleinArchive", "KleinClient", "KleinConfig", "KleinSystem",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(name: "KleinRuntime", dependencies: ["KleinOCI", "KleinStore", "KleinArchive", "KleinClient", "KleinPlatform", "KleinSystem"]),
        .target(
            name: "KleinPlatform",
            dependencies: [
                // KleinSystem for the pause point the event log's crash tests hold an append at.
                "KleinOCI", "KleinConfig", "KleinSystem",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // Pure placement: KleinOCI's Platform and Digest only (DESIGN lists Platform too; nothing from it is needed yet).
        .target(name: "KleinScheduler", dependencies: ["KleinOCI"]),
        .executableTarget(
            name: "klein",
            dependencies: [
                "KleinSystem", "KleinOCI", "KleinConfig", "KleinStore", "KleinArchive", "KleinClient", "KleinRegistry", "KleinBuild", "KleinRuntime", "KleinPlatform",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "KleinSystemTests", dependencies: ["KleinSystem"]),
        .testTarget(name: "KleinOCITests", dependencies: ["KleinOCI"], exclude: ["Fixtures"]),
        .testTarget(name: "KleinConfigTests", dependencies: ["KleinConfig"]),
        .testTarget(name: "KleinStoreTests", dependencies: ["KleinStore"]),
        .testTarget(name: "KleinArchiveTests", dependencies: ["KleinArchive", "CXattr"]),
        .testTarget(name: "KleinClientTests", dependencies: ["KleinClient", "KleinStore", .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(name: "KleinServerTests", dependencies: [
            "KleinServer",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "KleinRegistryTests", dependencies: ["KleinRegistry"]),
        .testTarget(name: "KleinBuildTests", dependencies: ["KleinBuild", "KleinConfig", "KleinArchive", "KleinClient", "KleinStore"]),
        .testTarget(name: "KleinRuntimeTests", dependencies: ["KleinRuntime", "KleinPlatform", "KleinArchive", "KleinOCI"], exclude: ["Fixtures"]),
        .testTarget(name: "KleinSchedulerTests", dependencies: ["KleinScheduler", "KleinOCI"]),
        .testTarget(name: "KleinPlatformTests", dependencies: ["KleinPlatform", "KleinConfig", "KleinOCI"]),
        .testTarget(
            name: "InteropTests",
            dependencies: ["KleinOCI", "KleinStore", "KleinArchive", "klein"],
            exclude: ["Registry/oras_roundtrip.py", "Client/fault_proxy.py", "Client/oras_peer.py", "Build/Fixtures", "Unpack/unpack_differential.py"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
