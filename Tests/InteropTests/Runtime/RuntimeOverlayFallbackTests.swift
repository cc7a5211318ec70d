import Foundation
import Testing

/// Where no overlay can be mounted on the cached root file system, `klein run` unpacks a fresh copy of
/// the image for the run instead, and the cache stays as unpacked.
@Suite(.serialized, .timeLimit(.minutes(2))) struct RuntimeOverlayFallbackTests {
    /// The data directory on an overlayfs, as inside a Docker container: the kernel refuses an overlay
    /// whose upper directory is itself on overlayfs, so the run's root is a plain unpacked tree.
    @Test func dataDirectoryOnOverlayfsRunsFromAFreshUnpack() throws {
        let fixture = try RuntimeFixture()
        let under = "\(fixture.scratch.path)/under"
        for directory in ["\(under)/lower", "\(under)/upper", "\(under)/work", fixture.data] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try Tools.peer("mount", "-t", "overlay", "overlay", "-o", "lowerdir=\(under)/lower,upperdir=\(under)/upper,workdir=\(under)/work", fixture.data)
        var mounted = true
        defer { if mounted { _ = try? Tools.run("umount", ["-l", fixture.data]) } }

        let image = try fixture.busybox("fallback", config: RuntimeFixture.cmd("sh", "-c", "echo run > /etc/written && while test ! -e /data/stop; do sleep 0.1; done"))
        let manifest = try fixture.write("fallback.toml", "schema = 1\napp = \"fallback\"\n[[volumes]]\nname = \"data\"\npath = \"/data\"\n")
        let running = try Tools.start("klein", ["run", image, "--manifest", manifest, "--node", try fixture.node(), "--data", fixture.data])
        var written: String?
        let deadline = Date().addingTimeInterval(60)
        while written == nil, running.process.isRunning, Date() < deadline {
            written = fixture.containerIDs().map { "\(fixture.data)/containers/\($0)/rootfs/etc/written" }.first { FileManager.default.fileExists(atPath: $0) }
            usleep(50_000)
        }
        #expect(written != nil, "the container never wrote /etc/written")
        // A fresh unpack, not an overlay: nothing is mounted below the data directory but itself.
        #expect(RuntimeFixture.mountpoints(under: fixture.data) == [fixture.data])

        #expect(FileManager.default.createFile(atPath: "\(fixture.scratch.path)/volumes/fallback/data/stop", contents: Data()))
        running.process.waitUntilExit()
        let result = running.finish()
        #expect(result.succeeded, "\(result.stderr)")
        let cached = fixture.cachedRootfs()
        #expect(cached.count == 1)
        for tree in cached {
            #expect(FileManager.default.fileExists(atPath: "\(fixture.data)/rootfs/\(tree)/bin/busybox"))
            #expect(!FileManager.default.fileExists(atPath: "\(fixture.data)/rootfs/\(tree)/etc/written"), "the run wrote into the cache")
        }
        #expect(fixture.containerIDs().isEmpty, "DATA/containers still holds \(fixture.containerIDs())")

        #expect(try Tools.run("umount", [fixture.data]).succeeded)
        mounted = false
        fixture.expectNothingLeft()
    }
}
