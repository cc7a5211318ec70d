import Foundation
import Testing

/// `klein rootfs prune` removes unpacked images no running container uses and leftovers of killed
/// unpacks, and keeps what an overlay is mounted on.
@Suite(.serialized, .timeLimit(.minutes(2))) struct RootfsPruneTests {
    @Test func pruneKeepsWhatARunningContainerUses() throws {
        let fixture = try RuntimeFixture()
        let finished = try fixture.busybox("finished", config: RuntimeFixture.cmd("true"))
        // Different content, so a different ChainID and a tree of its own.
        let waiting = try fixture.busybox("waiting", config: RuntimeFixture.cmd("sh", "-c", "while test ! -e /data/stop; do sleep 0.1; done")) { root in
            #expect(FileManager.default.createFile(atPath: "\(root)/etc/waiting", contents: Data("1".utf8)))
        }
        #expect(try fixture.klein("run", finished).succeeded)
        let manifest = try fixture.write("waiting.toml", "schema = 1\napp = \"waiting\"\n[[volumes]]\nname = \"data\"\npath = \"/data\"\n")
        let running = try Tools.start("klein", ["run", waiting, "--manifest", manifest, "--node", try fixture.node(), "--data", fixture.data])
        let deadline = Date().addingTimeInterval(60)
        while fixture.cachedRootfs().count < 2 || RuntimeFixture.mountpoints(under: fixture.data).isEmpty, running.process.isRunning, Date() < deadline {
            usleep(50_000)
        }
        // A staging directory of an unpack whose process is gone (pid 2^22 + 1 exceeds pid_max).
        let stale = ".partial-0123456789abcdef-4194305-7"
        try FileManager.default.createDirectory(atPath: "\(fixture.data)/rootfs/\(stale)/etc", withIntermediateDirectories: true)
        let before = fixture.cachedRootfs()
        let prune = try fixture.klein("rootfs", "prune")
        #expect(prune.succeeded && prune.stdout.hasSuffix("2 removed\n"), "\(prune.stdout) \(prune.stderr)")
        let kept = fixture.cachedRootfs()
        #expect(kept.count == 1 && before.contains(kept[0]), "\(before) → \(kept)")
        #expect(!FileManager.default.fileExists(atPath: "\(fixture.data)/rootfs/\(stale)"))

        #expect(FileManager.default.createFile(atPath: "\(fixture.scratch.path)/volumes/waiting/data/stop", contents: Data()))
        running.process.waitUntilExit()
        #expect(running.finish().succeeded)
        #expect(try fixture.klein("rootfs", "prune").stdout == "removed \(kept[0])\n1 removed\n")
        #expect(fixture.cachedRootfs().isEmpty)
        fixture.expectNothingLeft()
    }
}
