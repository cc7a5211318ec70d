// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Klein",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "klein", targets: ["klein"]),
        .library(name: "KleinOCI", targets: ["KleinOCI"]),
        .library(name: "KleinStore", targets: ["KleinStore"]),
        .library(name: "KleinArchive", targets: ["KleinArchive"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        .target(
            name: "KleinOCI",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(name: "KleinStore", dependencies: ["KleinOCI"]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CSystem"),
        .target(name: "KleinArchive", dependencies: ["KleinOCI", "CZlib", "CZstd", "CSystem"]),
        .executableTarget(
            name: "klein",
            dependencies: [
                "KleinOCI", "KleinStore", "KleinArchive",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "KleinOCITests", dependencies: ["KleinOCI"], exclude: ["Fixtures"]),
        .testTarget(name: "KleinStoreTests", dependencies: ["KleinStore"]),
        .testTarget(name: "KleinArchiveTests", dependencies: ["KleinArchive", "CSystem"]),
        .testTarget(name: "InteropTests", dependencies: ["KleinOCI", "KleinStore", "KleinArchive", "klein"]),
    ],
    swiftLanguageModes: [.v6]
)
