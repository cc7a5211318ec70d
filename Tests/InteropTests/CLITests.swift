import Foundation
import Testing

/// The CLI as a user meets it: output, exit codes, one-line errors and no side effects on bad input.
@Suite struct CLITests {
    @Test func digestMatchesSha256sumAndSha512sum() throws {
        let scratch = try Scratch()
        let file = try scratch.write("data.bin", String(repeating: "klein", count: 100_000))
        let expected = try Tools.peer("sha256sum", file).split(separator: " ")[0]
        #expect(try Tools.klein("digest", file) == "sha256:\(expected)\n")
        let expected512 = try Tools.peer("sha512sum", file).split(separator: " ")[0]
        #expect(try Tools.klein("digest", "--algorithm", "sha512", file, file) == "sha512:\(expected512)  \(file)\nsha512:\(expected512)  \(file)\n")
    }

    @Test(arguments: [
        (["digest", "/nonexistent/file"], "/nonexistent/file"),
        (["inspect", "/nonexistent/layout:v1"], "/nonexistent/layout"),
        (["layout", "ls", "/nonexistent"], "/nonexistent"),
        (["digest", "--algorithm", "md5", "x"], "md5"),
        (["import", "/tmp/klein-cli-never:v1", "/nonexistent/file", "--artifact-type", "a/b"], "/nonexistent/file"),
        (["import", "/tmp/klein-cli-never:v1", "x:not a type/", "--artifact-type", "a/b"], "not a type/"),
        (["import", "/tmp/klein-cli-never:v1", "x", "--artifact-type", "nope"], "nope"),
        (["import", "/tmp/klein-cli-never:sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "x", "--artifact-type", "a/b"], "digest"),
        (["layout", "gc", "/tmp", "--grace", "soon"], "soon"),
    ])
    func badInputFailsWithAClearError(_ arguments: [String], _ mention: String) throws {
        let result = try Tools.run("klein", arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains(mention), "stderr: \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/klein-cli-never"))
    }

    @Test func badImportChangesNothing() throws {
        let scratch = try Scratch()
        let layout = "\(scratch.path)/layout"
        let file = try scratch.write("a.txt", "a")
        try Tools.klein("import", "\(layout):v1", file, "--artifact-type", "application/vnd.example")
        let index = try scratch.read("layout/index.json")
        let blobs = try FileManager.default.contentsOfDirectory(atPath: "\(layout)/blobs/sha256").sorted()
        for arguments in [
            ["import", "\(layout):v2", file, "\(scratch.path)/missing"],
            ["import", "\(layout):v2", file, "--artifact-type", "application/vnd.example", "--subject", "sha256:" + String(repeating: "0", count: 64)],
            ["import", "\(layout):v2", file, file, "--artifact-type", "application/vnd.example"],
            ["import", "\(layout):bad name", file, "--artifact-type", "application/vnd.example"],
            ["import", "\(layout):v2", file, "--config", "\(file):application/vnd.oci.image.config.v1+json"],
        ] {
            let result = try Tools.run("klein", arguments)
            #expect(result.status != 0, "\(arguments) succeeded")
            #expect(result.stderr.split(separator: "\n").count == 1, "not one line: \(result.stderr)")
        }
        #expect(try scratch.read("layout/index.json") == index)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(layout)/blobs/sha256").sorted() == blobs)
    }

    @Test func tagUntagInspectAndReferrers() throws {
        let scratch = try Scratch()
        let layout = "\(scratch.path)/layout"
        let digest = try ImageFixture.build(in: scratch, layout: layout, ref: "v1")
        try Tools.klein("layout", "tag", "\(layout):v1", "stable")
        try Tools.klein("layout", "tag", "\(layout)@\(digest)", "pinned")
        #expect(try Tools.klein("layout", "ls", layout).split(separator: "\n").count == 4)
        try Tools.klein("layout", "untag", "\(layout):v1")
        #expect(try Tools.run("klein", ["inspect", "\(layout):v1"]).stderr.contains("reference \"v1\" not found"))

        let signature = try scratch.write("sig.json", "{}")
        try Tools.klein("import", "\(layout)", "\(signature):application/vnd.example.signature",
                        "--artifact-type", "application/vnd.example.signature", "--subject", digest)
        let summary = try Tools.klein("inspect", "\(layout):stable")
        #expect(summary.contains("Referrers:    1"))
        #expect(summary.contains("application/vnd.example.signature"))
        #expect(try Tools.klein("inspect", "--raw", "\(layout):stable") == String(decoding: try scratch.read("layout/blobs/sha256/\(digest.dropFirst(7))"), as: UTF8.self))
        #expect(try Tools.klein("inspect", "--config", "\(layout):stable").contains("\"diff_ids\""))
        // The referrer stays through gc because its subject is tagged.
        #expect(try Tools.klein("layout", "gc", layout).contains("removed 0 blobs"))
    }

    @Test func fsckExitsNonZeroOnCorruption() throws {
        let scratch = try Scratch()
        let layout = "\(scratch.path)/layout"
        let file = try scratch.write("a.txt", "original")
        try Tools.klein("import", "\(layout):v1", file, "--artifact-type", "application/vnd.example")
        let blob = "\(layout)/blobs/sha256/" + (try Tools.klein("digest", file)).dropFirst(7).trimmingCharacters(in: .whitespacesAndNewlines)
        try Data("tampered".utf8).write(to: URL(fileURLWithPath: blob))
        let result = try Tools.run("klein", ["layout", "fsck", layout])
        #expect(result.status == 1)
        #expect(result.stdout.contains("corrupt: \(blob)"))
    }

    @Test(arguments: [
        [], ["layout"], ["layer"], ["layer", "create"], ["layer", "add"], ["layer", "unpack"], ["unpack"], ["layout", "init"], ["layout", "ls"], ["layout", "tag"], ["layout", "untag"], ["layout", "gc"], ["layout", "fsck"],
        ["inspect"], ["import"], ["digest"], ["version"],
    ])
    func everyCommandHasHelpWithAnExample(_ command: [String]) throws {
        let help = try Tools.klein(command + ["--help"])
        #expect(help.contains("Example"), "\(command) help: \(help)")
    }

    @Test func versionPrints() throws {
        #expect(try Tools.klein("version").hasPrefix("klein "))
    }
}

extension Tools {
    @discardableResult
    static func klein(_ arguments: [String]) throws -> String {
        let result = try run("klein", arguments)
        #expect(result.succeeded, "klein \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        return result.stdout
    }
}
