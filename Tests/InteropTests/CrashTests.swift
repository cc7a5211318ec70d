import Foundation
import Testing

/// A `klein import` killed with SIGKILL mid-write leaves a layout that passes fsck with no partial blob.
@Suite struct CrashTests {
    @Test func killedImportLeavesNoPartialBlob() throws {
        let scratch = try Scratch()
        let layout = "\(scratch.path)/layout"
        try Tools.klein("layout", "init", layout)
        let big = "\(scratch.path)/big.bin"
        try Tools.peer("dd", "if=/dev/urandom", "of=\(big)", "bs=1M", "count=768", "status=none")

        let importer = try Tools.start("klein", ["import", "\(layout):big", big, "--artifact-type", "application/vnd.example.big"])
        let scratchDirectory = "\(layout)/.klein/ingest"
        let deadline = Date().addingTimeInterval(60)
        var partialSize: Int64 = 0
        while Date() < deadline && importer.process.isRunning {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: scratchDirectory)) ?? []
            if let name = names.first(where: { $0.hasSuffix(".partial") }),
               let size = (try? FileManager.default.attributesOfItem(atPath: "\(scratchDirectory)/\(name)"))?[.size] as? Int64,
               size > 8 << 20 {
                partialSize = size
                break
            }
            usleep(2_000)
        }
        #expect(importer.process.isRunning, "the import finished before it could be killed")
        kill(importer.process.processIdentifier, SIGKILL)
        importer.process.waitUntilExit()
        _ = importer.finish()
        #expect(partialSize > 0)

        let fsck = try Tools.run("klein", ["layout", "fsck", layout])
        #expect(fsck.status == 0, "fsck: \(fsck.stdout) \(fsck.stderr)")
        #expect(fsck.stdout.contains("1 leftover files of interrupted imports"))
        let blobs = try FileManager.default.contentsOfDirectory(atPath: "\(layout)/blobs/sha256")
        #expect(!blobs.contains(try Tools.klein("digest", big).dropFirst(7).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect((try scratch.json("layout/index.json")["manifests"] as? [Any])?.isEmpty == true)

        #expect(try Tools.klein("layout", "gc", layout).contains("1 interrupted-import files"))
        let digest = try Tools.klein("import", "\(layout):big", big, "--artifact-type", "application/vnd.example.big")
        #expect(digest.hasPrefix("sha256:"))
        #expect(try Tools.klein("layout", "fsck", layout).contains("0 problems"))
    }
}
