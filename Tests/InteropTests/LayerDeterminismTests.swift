import Foundation
import Testing

/// The same tree gives byte-identical layers whatever the umask, creation order, file times, TZ and locale.
@Suite struct LayerDeterminismTests {
    /// Digests of the fixture tree's layer, pinned: a change here changes every Klein-built image.
    static let golden = [
        "none": "sha256:4f50d983b3d1f0a708ed5a4b0b4fc59bc110c6a22fdde39c0739c66f82642ba3",
        "gzip": "sha256:d7492bb64dd31f85d92d67bb8e55b659cd29a95e5ee57f84bcc8cdf879ddab9a",
        "zstd": "sha256:fa90744435e9f03d4e07df7c9fd4a556a0fa550ac1d42768a58d6d3cd8acbbc6",
    ]

    /// Writes the fixture tree; `reversed` creates it in the opposite order.
    static func makeFixture(at root: String, reversed: Bool, umask: String, mtime: String) throws {
        let files: [(String, String)] = [
            ("bin/app", "#!/bin/sh\necho app\n"), ("etc/app.conf", "port=8080\n"), ("etc/empty", ""),
            ("share/data/\(String(repeating: "d", count: 120))/deep.txt", "deep\n"), ("share/ümlaut.txt", "unicode name\n"),
        ]
        var script = "set -e; umask \(umask); mkdir -p '\(root)'; cd '\(root)'\n"
        for (path, content) in (reversed ? files.reversed() : files) {
            script += "mkdir -p \"$(dirname '\(path)')\"; printf '%b' '\(content.replacingOccurrences(of: "\n", with: "\\n"))' > '\(path)'\n"
        }
        script += "chmod a+x bin/app; ln -s ../etc/app.conf bin/conf; ln etc/app.conf etc/app.conf.hard; mkdir -p var/empty\n"
        script += "find . -exec touch -h -d '\(mtime)' {} +\n"
        try Tools.peer("sh", "-c", script)
    }

    @Test(arguments: ["none", "gzip", "zstd"])
    func layersAreReproducible(_ compression: String) throws {
        let scratch = try Scratch()
        try Self.makeFixture(at: "\(scratch.path)/a", reversed: false, umask: "022", mtime: "2001-02-03 04:05:06")
        try Self.makeFixture(at: "\(scratch.path)/b", reversed: true, umask: "077", mtime: "2024-12-31 23:59:59")
        let digests = try ["a", "b"].enumerated().map { index, tree in
            let environment = index == 0 ? "TZ=UTC LC_ALL=C" : "TZ=Asia/Kolkata LC_ALL=C.UTF-8 HOSTNAME=elsewhere"
            let output = try Tools.peer("sh", "-c", "cd / && umask \(index == 0 ? "022" : "077") && env \(environment) '\(Tools.klein)' layer create '\(scratch.path)/\(tree)' -o '\(scratch.path)/\(tree).layer' --compression \(compression) --json")
            let result = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
            return result?["digest"] as? String ?? ""
        }
        #expect(digests[0] == digests[1])
        #expect(try scratch.read("a.layer") == scratch.read("b.layer"))
        #expect(digests[0] == Self.golden[compression], "golden digest for \(compression) changed: \(digests[0])")
    }

    @Test func epochComesFromTheFlagOrSourceDateEpoch() throws {
        let scratch = try Scratch()
        try Self.makeFixture(at: "\(scratch.path)/tree", reversed: false, umask: "022", mtime: "2001-02-03 04:05:06")
        try Tools.peer("sh", "-c", "SOURCE_DATE_EPOCH=1700000000 '\(Tools.klein)' layer create '\(scratch.path)/tree' -o '\(scratch.path)/env.tar' --compression none")
        try Tools.klein("layer", "create", "\(scratch.path)/tree", "-o", "\(scratch.path)/flag.tar", "--compression", "none", "--epoch", "1700000000")
        #expect(try scratch.read("env.tar") == scratch.read("flag.tar"))
        let listing = try Tools.peer("tar", "--utc", "-tvf", "\(scratch.path)/flag.tar")
        #expect(listing.contains("2023-11-14 22:13"))
        #expect(!listing.contains("2001-02-03"))
    }
}
