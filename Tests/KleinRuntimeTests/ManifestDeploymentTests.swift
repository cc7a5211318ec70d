import KleinPlatform
import Testing
@testable import KleinRuntime

/// The runtime's merge of a platform manifest into deployment settings reads the manifest's typed values.
@Suite struct ManifestDeploymentTests {
    @Test func everySettingComesFromTheTypedManifest() throws {
        let manifest = try PlatformManifest.validate(toml: Array("""
            schema = 1
            app = "shop"
            process = { entrypoint = ["/app"], cmd = ["serve"], workdir = "/srv", user = "1000", env = { B = "2", A = "1" } }
            ports = [{ name = "web", port = 8080, protocol = "http" }, { name = "dns", port = 53, protocol = "udp" }]
            resources = { cpu = "250m", memory = "1Gi", pids = 64, gpus = { count = 1, kind = "nvidia" } }
            volumes = [{ name = "data", path = "/data", read_only = true }]
            secrets = [{ name = "tls", path = "/run/tls", owner = "1000:2000" }]
            """.utf8), file: "m")
        let deployment = manifest.deployment
        #expect(deployment.app == "shop")
        #expect(deployment.entrypoint == ["/app"] && deployment.cmd == ["serve"] && deployment.workdir == "/srv" && deployment.user == "1000")
        #expect(deployment.environment == [.set(name: "A", value: "1"), .set(name: "B", value: "2")])
        #expect(deployment.ports == [.init(port: 8080, transport: "tcp"), .init(port: 53, transport: "udp")])
        #expect(deployment.millicores == 250 && deployment.memoryLimit == 1 << 30 && deployment.pidsLimit == 64 && deployment.writableRoot)
        #expect(deployment.gpus == .init(count: 1, kind: "nvidia"))
        #expect(deployment.volumes == [.init(name: "data", path: "/data", readOnly: true)])
        #expect(deployment.secrets == [.init(name: "tls", path: "/run/tls", mode: 0o400, uid: 1000, gid: 2000)])
    }
}
