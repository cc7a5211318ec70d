import Foundation
import Testing

/// Signals sent to `klein run` reach the container's process through the runtime, and klein returns
/// the exit code the container chose in its handler.
@Suite(.serialized, .timeLimit(.minutes(2))) struct RuntimeSignalTests {
    @Test(arguments: [(SIGTERM, "TERM"), (SIGINT, "INT"), (SIGHUP, "HUP"), (SIGQUIT, "QUIT"), (SIGUSR1, "USR1"), (SIGUSR2, "USR2")])
    func aSignalToKleinRunReachesTheContainer(signal: Int32, name: String) throws {
        let fixture = try RuntimeFixture()
        let image = try fixture.busybox("signals")
        let script = "trap 'echo got \(name); exit 42' \(name); touch /data/ready; while true; do sleep 0.1; done"
        let manifest = try fixture.write("signals.toml", """
            schema = 1
            app = "signals"
            [process]
            cmd = ["sh", "-c", "\(script)"]
            [[volumes]]
            name = "data"
            path = "/data"
            """)
        let running = try Tools.start("klein", ["run", image, "--manifest", manifest, "--node", try fixture.node(), "--data", fixture.data])
        let ready = "\(fixture.scratch.path)/volumes/signals/data/ready"
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: ready) && running.process.isRunning && Date() < deadline { usleep(50_000) }
        #expect(FileManager.default.fileExists(atPath: ready), "the container never became ready")
        kill(running.process.processIdentifier, signal)
        running.process.waitUntilExit()
        let result = running.finish()
        #expect(result.status == 42 && result.stdout == "got \(name)\n", "\(result.status) \(result.stdout) \(result.stderr)")
        fixture.expectNothingLeft()
    }

    /// Unpacked images keep their owners and setuid bits: other users of the host must not reach them.
    @Test func theRootfsCacheAndRunningBundlesArePrivate() throws {
        let fixture = try RuntimeFixture()
        let image = try fixture.busybox("private", config: RuntimeFixture.cmd("true")) { root in
            #expect(FileManager.default.createFile(atPath: "\(root)/bin/setuid", contents: Data(), attributes: [.posixPermissions: 0o4755]))
        }
        let run = try fixture.klein("run", image)
        #expect(run.succeeded, "\(run.stderr)")
        for directory in ["rootfs", "containers"] {
            let mode = try FileManager.default.attributesOfItem(atPath: "\(fixture.data)/\(directory)")[.posixPermissions] as? Int
            #expect(mode == 0o700, "DATA/\(directory) has mode \(String(mode ?? 0, radix: 8))")
        }
        fixture.expectNothingLeft()
    }
}
