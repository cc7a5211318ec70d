// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Klein",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "klein", targets: ["klein"]),
        .library(name: "KleinOCI", targets: ["KleinOCI"]),
        .library(name: "KleinStore", targets: ["KleinStore"]),
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
        .executableTarget(
            name: "klein",
            dependencies: [
                "KleinOCI", "KleinStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "KleinOCITests", dependencies: ["KleinOCI"], exclude: ["Fixtures"]),
        .testTarget(name: "KleinStoreTests", dependencies: ["KleinStore"]),
        .testTarget(name: "InteropTests", dependencies: ["KleinOCI", "KleinStore", "klein"]),
    ],
    swiftLanguageModes: [.v6]
)
