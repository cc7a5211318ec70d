import Foundation
import Testing

/// The same spec gives the same digests whatever the environment: umask, working directory, file
/// times, file creation order, time zone, locale, host name and temporary directory.
@Suite struct BuildReproducibilityTests {
    static let fixture = "\(Tools.repository)/Tests/InteropTests/Build/Fixtures/hello"
    /// `klein build` of Fixtures/hello. It changes only when the fixture or Klein's output format
    /// does; update it deliberately, with the reason in the commit message.
    static let goldenDigest = "sha256:8305b03feef11be69e2683a6f2a99a0f953feb034ddab4afa2585698d39cb69b"

    /// Copies the fixture to `destination`, creating files in the given order, with the given
    /// permission bits (executables keep an execute bit) and modification time.
    static func copyFixture(to destination: String, reversed: Bool, restrictive: Bool, modified: Date) throws {
        let manager = FileManager.default
        var files = (manager.enumerator(atPath: fixture)?.allObjects as? [String] ?? []).filter { path in
            var isDirectory: ObjCBool = false
            return manager.fileExists(atPath: "\(fixture)/\(path)", isDirectory: &isDirectory) && !isDirectory.boolValue
        }.sorted()
        if reversed { files.reverse() }
        for file in files {
            let target = "\(destination)/\(file)"
            try manager.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                                        attributes: [.posixPermissions: restrictive ? 0o700 : 0o755])
            let executable = manager.isExecutableFile(atPath: "\(fixture)/\(file)")
            let mode = restrictive ? (executable ? 0o700 : 0o600) : (executable ? 0o755 : 0o644)
            #expect(manager.createFile(atPath: target, contents: try Data(contentsOf: URL(fileURLWithPath: "\(fixture)/\(file)")),
                                       attributes: [.posixPermissions: mode, .modificationDate: modified]))
        }
    }

    @Test func digestsAreTheSameInEveryEnvironmentAndMatchTheGolden() throws {
        let scratch = try Scratch()
        let first = "\(scratch.path)/first", second = "\(scratch.path)/elsewhere/second"
        try Self.copyFixture(to: first, reversed: false, restrictive: false, modified: Date(timeIntervalSince1970: 1_000_000_000))
        try Self.copyFixture(to: second, reversed: true, restrictive: true, modified: Date())
        for temporary in ["tmp1", "tmp2"] { try FileManager.default.createDirectory(atPath: "\(scratch.path)/\(temporary)", withIntermediateDirectories: true) }
        let klein = Tools.klein
        let a = try Tools.run("sh", ["-c", "umask 022; exec \"$0\" build klein.build.toml -o oci:\(scratch.path)/out-a:hello", klein], in: first,
                              environment: ["TZ": "UTC", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOSTNAME": "builder-a", "TMPDIR": "\(scratch.path)/tmp1"])
        let b = try Tools.run("sh", ["-c", "umask 077; exec \"$0\" build \(second)/klein.build.toml -o oci:\(scratch.path)/out-b:hello", klein], in: "/",
                              environment: ["TZ": "Asia/Tokyo", "LANG": "de_DE.UTF-8", "LC_ALL": "de_DE.UTF-8", "HOSTNAME": "builder-b",
                                            "TMPDIR": "\(scratch.path)/tmp2"])
        #expect(a.succeeded && b.succeeded, "\(a.stderr)\(b.stderr)")
        let digestA = a.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let digestB = b.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(digestA == digestB)
        #expect(digestA == Self.goldenDigest, "the fixture's build digest changed")
        // Every object, not just the root: both layouts hold exactly the same blobs but for the provenance.
        let rebuilt = try Tools.klein("rebuild", "oci:\(scratch.path)/out-b:hello")
        #expect(rebuilt.contains(digestA))
    }
}
