import KleinOCI
import Testing
@testable import KleinPlatform

/// `ReleaseImageCheck` over content already fetched: no registry needed, as a control plane will run it.
@Suite struct ReleaseImageCheckTests {
    static func manifest(_ body: String = "") throws -> PlatformManifest {
        try PlatformManifest.validate(toml: Array("schema = 1\napp = \"a\"\n\(body)".utf8), file: "m")
    }

    static func config(entrypoint: [String]? = nil, cmd: [String]? = nil, exposed: [String] = []) -> ImageConfiguration {
        var execution = ImageConfiguration.ExecutionConfig()
        execution.entrypoint = entrypoint
        execution.cmd = cmd
        execution.exposedPorts = exposed.isEmpty ? nil : Dictionary(uniqueKeysWithValues: exposed.map { ($0, JSONValue.object([:])) })
        var config = ImageConfiguration(architecture: "amd64", os: "linux")
        config.config = execution
        return config
    }

    static func image(config mediaType: MediaType) -> ImageManifest {
        ImageManifest(config: Descriptor(mediaType: mediaType, bytes: Array("{}".utf8)), layers: [])
    }

    @Test func portsThatDisagreeAreWarnings() throws {
        let check = ReleaseImageCheck(display: "web:1", manifest: try Self.manifest("[[ports]]\nname = \"web\"\nport = 8080\n"))
        #expect(try check.check(Self.config(cmd: ["/srv"], exposed: ["80/tcp", "8080"]), label: "web:1") == [
            "web:1 exposes 80/tcp, which the platform manifest declares in no [[ports]]",
        ])
        #expect(try check.check(Self.config(cmd: ["/srv"], exposed: ["53/udp"]), label: "web:1") == [
            "web:1 exposes 53/udp, which the platform manifest declares in no [[ports]]",
            "the platform manifest declares 8080/tcp, which web:1 does not expose",
        ])
        #expect(try check.check(Self.config(cmd: ["/srv"]), label: "web:1") == [
            "web:1 exposes no ports; the platform manifest declares 8080/tcp",
        ])
    }

    @Test func aProcessComesFromTheImageOrTheManifest() throws {
        let bare = ReleaseImageCheck(display: "x", manifest: try Self.manifest())
        #expect(throws: PlatformError.self) { try bare.check(Self.config(), label: "x") }
        #expect(try bare.check(Self.config(entrypoint: ["/app"]), label: "x").isEmpty)
        let overriding = ReleaseImageCheck(display: "x", manifest: try Self.manifest("[process]\ncmd = [\"/app\"]\n"))
        #expect(try overriding.check(Self.config(), label: "x").isEmpty)
    }

    @Test func onlyImageConfigsAreRunnable() throws {
        let check = ReleaseImageCheck(display: "x", manifest: try Self.manifest())
        let image = Self.image(config: .ociConfig)
        #expect(try check.config(of: image, label: "x") == image.config)
        #expect(throws: PlatformError.self) { try check.config(of: Self.image(config: "application/vnd.example+json"), label: "x") }
    }

    @Test func indexEntriesForNoPlatformAreNotRun() throws {
        let amd64 = Descriptor(mediaType: .ociManifest, digest: .of(Array("a".utf8)), size: 1, platform: Platform(os: "linux", architecture: "amd64"))
        let attestation = Descriptor(mediaType: .ociManifest, digest: .of(Array("b".utf8)), size: 1,
                                     platform: Platform(os: "unknown", architecture: "unknown"))
        let bare = Descriptor(mediaType: .ociManifest, bytes: Array("c".utf8))
        let index = ImageIndex(manifests: [amd64, attestation, bare])
        #expect(ReleaseImageCheck.runnableEntries(of: index) == [amd64, bare])
        let check = ReleaseImageCheck(display: "web:1", manifest: try Self.manifest())
        #expect(check.label(of: amd64) == "web:1 (linux/amd64)")
        #expect(check.label(of: bare) == "web:1 (\(bare.digest))")
        #expect(throws: PlatformError.self) { try check.requireRunnable(images: 0) }
        try check.requireRunnable(images: 1)
    }
}
