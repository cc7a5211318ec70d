import Testing
@testable import KleinOCI

@Suite struct PlatformTests {
    @Test(arguments: [
        ("linux/amd64", "linux", "amd64", nil),
        ("linux/arm64/v8", "linux", "arm64", "v8"),
        ("linux/arm/v7", "linux", "arm", "v7"),
        ("windows/amd64", "windows", "amd64", nil),
        ("arm64", "linux", "arm64", nil),
    ] as [(String, String, String, String?)])
    func parses(_ text: String, _ os: String, _ architecture: String, _ variant: String?) throws {
        let platform = try Platform(parsing: text)
        #expect(platform.os == os && platform.architecture == architecture && platform.variant == variant)
    }

    @Test(arguments: ["", "linux/", "/amd64", "linux/amd64/v8/x", "banana", "linux/am d64"])
    func rejects(_ text: String) {
        #expect(throws: OCIError.self) { try Platform(parsing: text) }
    }

    @Test(arguments: [
        // wanted, candidate, matches
        ("linux/arm64", "linux/arm64/v8", true),
        ("linux/arm64/v8", "linux/arm64", true),
        ("linux/aarch64", "linux/arm64/v8", true),
        ("linux/x86_64", "linux/amd64", true),
        ("linux/arm", "linux/arm/v7", true),
        ("linux/arm/v7", "linux/arm/v6", true),
        ("linux/arm/v6", "linux/arm/v7", false),
        ("linux/arm64/v8", "linux/arm/v7", true),
        ("linux/amd64", "linux/386", true),
        ("linux/amd64", "linux/arm64", false),
        ("linux/amd64", "windows/amd64", false),
        ("LINUX/AMD64", "linux/amd64", true),
    ])
    func matches(_ wanted: String, _ candidate: String, _ expected: Bool) throws {
        #expect(try Platform(parsing: wanted).matches(Platform(parsing: candidate)) == expected)
    }

    @Test func matchesWindowsOSVersionByBuild() {
        var host = Platform(os: "windows", architecture: "amd64", osVersion: "10.0.17763.5000")
        #expect(host.matches(Platform(os: "windows", architecture: "amd64", osVersion: "10.0.17763.4974")))
        #expect(!host.matches(Platform(os: "windows", architecture: "amd64", osVersion: "10.0.20348.2031")))
        host.osVersion = nil
        #expect(host.matches(Platform(os: "windows", architecture: "amd64", osVersion: "10.0.20348.2031")))
    }

    @Test func osFeaturesMustBeOffered() {
        let candidate = Platform(os: "windows", architecture: "amd64", osFeatures: ["win32k"])
        #expect(!Platform(os: "windows", architecture: "amd64", osFeatures: []).matches(candidate))
        #expect(Platform(os: "windows", architecture: "amd64", osFeatures: ["win32k"]).matches(candidate))
    }

    @Test func selectsBestManifestFromIndex() throws {
        let index = try ImageIndex(jsonBytes: try Fixtures.bytes("docker-manifest-list.json"))
        #expect(index.manifest(for: try Platform(parsing: "linux/arm64"))?.digest == index.manifests[2].digest)
        #expect(index.manifest(for: try Platform(parsing: "linux/arm/v7"))?.digest == index.manifests[1].digest)
        #expect(index.manifest(for: try Platform(parsing: "linux/amd64"))?.digest == index.manifests[0].digest)
        let windows = Platform(os: "windows", architecture: "amd64", osVersion: "10.0.17763.1", osFeatures: ["win32k"])
        #expect(index.manifest(for: windows)?.digest == index.manifests[3].digest)
        #expect(index.manifest(for: try Platform(parsing: "linux/s390x")) == nil)
        // An exact variant beats a compatible older one.
        let armIndex = ImageIndex(manifests: [
            Descriptor(mediaType: .ociManifest, bytes: [1], embed: false).with(platform: "linux/arm/v6"),
            Descriptor(mediaType: .ociManifest, bytes: [2], embed: false).with(platform: "linux/arm/v7"),
        ])
        #expect(armIndex.manifest(for: try Platform(parsing: "linux/arm/v7"))?.digest == armIndex.manifests[1].digest)
        #expect(armIndex.manifest(for: try Platform(parsing: "linux/arm64"))?.digest == armIndex.manifests[1].digest)
    }

    @Test func platformChoicePrefersTheExactMatchThenCompatibleOnes() throws {
        let digests = (0..<3).map { Digest.of(Array("m\($0)".utf8)) }
        let index = ImageIndex(manifests: [
            Descriptor(mediaType: .ociManifest, digest: digests[0], size: 1, platform: Platform(os: "linux", architecture: "arm", variant: "v6")),
            Descriptor(mediaType: .ociManifest, digest: digests[1], size: 1, platform: Platform(os: "linux", architecture: "arm", variant: "v7")),
            Descriptor(mediaType: .ociManifest, digest: digests[2], size: 1, platform: Platform(os: "linux", architecture: "amd64")),
        ])
        #expect(index.manifest(for: try Platform(parsing: "linux/arm/v7"))?.digest == digests[1])
        #expect(index.manifest(for: try Platform(parsing: "linux/arm64/v8"))?.digest == digests[1])
        #expect(index.manifest(for: try Platform(parsing: "linux/x86_64"))?.digest == digests[2])
        #expect(index.manifest(for: try Platform(parsing: "linux/s390x")) == nil)
        #expect(index.platformListing == "linux/arm/v6, linux/arm/v7, linux/amd64")
    }

    /// The copier's `PlatformChoice.best` and `ImageIndex.manifest(for:)` were two matchers; with one left,
    /// entries that run equally well resolve the same way everywhere: the first listed wins.
    @Test(arguments: [("linux/arm64", 0), ("linux/arm64/v8", 0), ("linux/aarch64", 0), ("linux/amd64", 2), ("linux/x86_64", 2)])
    func equallyGoodEntriesResolveToTheFirst(platform: String, expected: Int) throws {
        let index = ImageIndex(manifests: [
            Descriptor(mediaType: .ociManifest, bytes: [1], embed: false).with(platform: "linux/arm64"),
            Descriptor(mediaType: .ociManifest, bytes: [2], embed: false).with(platform: "linux/arm64/v8"),
            Descriptor(mediaType: .ociManifest, bytes: [3], embed: false).with(platform: "linux/x86_64"),
            Descriptor(mediaType: .ociManifest, bytes: [4], embed: false).with(platform: "linux/amd64"),
        ])
        #expect(index.manifest(for: try Platform(parsing: platform))?.digest == index.manifests[expected].digest)
    }

    @Test func roundTripsPlatformJSON() throws {
        let platform = Platform(os: "windows", architecture: "amd64", osVersion: "10.0.1", osFeatures: ["win32k"])
        #expect(try Platform(jsonBytes: platform.canonicalJSON) == platform)
        #expect(String(decoding: platform.canonicalJSON, as: UTF8.self)
            == #"{"architecture":"amd64","os":"windows","os.features":["win32k"],"os.version":"10.0.1"}"#)
    }
}

extension Descriptor {
    fileprivate func with(platform: String) -> Descriptor {
        var copy = self
        copy.platform = try? Platform(parsing: platform)
        return copy
    }
}
