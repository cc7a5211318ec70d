import Testing
@testable import KleinPlatform

/// The typed model a validated manifest is read into once: every section, with defaults applied,
/// identical whether read from the TOML or from the canonical JSON a release records.
@Suite struct ManifestModelTests {
    /// Every key of the schema, set.
    static let toml = ManifestFuzzTests.base

    @Test func everySectionIsTyped() throws {
        let manifest = try PlatformManifest.validate(toml: Array(Self.toml.utf8), file: "m")
        #expect(manifest.app == "shop-api")
        #expect(manifest.process == .init(entrypoint: ["/bin/server"], cmd: ["--port", "8080"], workdir: "/srv/app", user: "app:app",
                                          env: ["LOG_LEVEL": "info", "GREETING": "héllo ✓ 日本"]))
        #expect(manifest.ports == [.init(name: "web", port: 8080, protocol: "http", isPublic: true),
                                   .init(name: "dns", port: 53, protocol: "udp", isPublic: false)])
        #expect(manifest.ports.map(\.transport) == ["tcp", "udp"])
        #expect(manifest.resources == .init(millicores: 500, memoryBytes: 1 << 30, diskBytes: 2 << 30, pids: 512, gpus: .init(count: 1, kind: "nvidia")))
        #expect(manifest.checks == [
            .init(name: "live", probe: .http(port: "web", path: "/healthz", status: 204), interval: .seconds(60), timeout: .milliseconds(500),
                  gracePeriod: .seconds(5), failureThreshold: 3),
            .init(name: "ready", probe: .exec(command: ["/bin/true"]), interval: .seconds(10), timeout: .seconds(2),
                  gracePeriod: .zero, failureThreshold: 3),
        ])
        #expect(manifest.rollout == .init(strategy: .canary, replicas: 3, maxUnavailable: .count(0), maxSurge: .percent(50),
                                          minHealthyTime: .seconds(10), autoRollback: true))
        #expect(manifest.volumes == [.init(name: "data", path: "/var/lib/data", sizeBytes: 10 << 30, readOnly: false)])
        #expect(manifest.secrets == [.init(name: "tls", path: "/run/secrets/tls", mode: 0o440, uid: 1000, gid: 1000)])
        #expect(manifest.network == .init(publicByDefault: false, internalOnly: false))
    }

    @Test func theCanonicalJSONGivesTheSameModel() throws {
        let manifest = try PlatformManifest.validate(toml: Array(Self.toml.utf8), file: "m")
        let recorded = try PlatformManifest.validate(canonicalJSON: manifest.canonicalJSON, file: "release")
        #expect(recorded.contentHash == manifest.contentHash)
        #expect(recorded.process == manifest.process && recorded.ports == manifest.ports && recorded.resources == manifest.resources)
        #expect(recorded.checks == manifest.checks && recorded.rollout == manifest.rollout && recorded.network == manifest.network)
        #expect(recorded.volumes == manifest.volumes && recorded.secrets == manifest.secrets)
    }

    @Test func aMinimalManifestHasEveryDefault() throws {
        let manifest = try PlatformManifest.validate(toml: Array("schema = 1\napp = \"a\"\n".utf8), file: "m")
        #expect(manifest.process == .init(entrypoint: nil, cmd: nil, workdir: nil, user: nil, env: [:]))
        #expect(manifest.resources == .init(millicores: 1000, memoryBytes: 512 << 20, diskBytes: 1 << 30, pids: 1024, gpus: nil))
        #expect(manifest.rollout == .init(strategy: .rolling, replicas: 1, maxUnavailable: .percent(25), maxSurge: .percent(25),
                                          minHealthyTime: .seconds(10), autoRollback: true))
        #expect(manifest.ports.isEmpty && manifest.checks.isEmpty && manifest.volumes.isEmpty && manifest.secrets.isEmpty)
    }
}
