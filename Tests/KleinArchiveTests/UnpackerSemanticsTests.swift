import Foundation
import KleinOCI
import Testing
@testable import KleinArchive

/// image-spec layer.md semantics: replacement, whiteouts, opaque whiteouts, metadata order, verification.
@Suite struct UnpackerSemanticsTests {
    typealias E = LayerFixture.Entry

    @Test func fileReplacesDirectoryAndBack() throws {
        let sandbox = try UnpackSandbox()
        try sandbox.apply([
            try LayerFixture.layer([E.directory("a/"), E.file("a/x")]),
            try LayerFixture.layer([E.file("a", "now a file")]),
            try LayerFixture.layer([E.directory("a/"), E.file("a/y", "dir again")]),
        ])
        #expect(sandbox.contents("a/y") == "dir again")
        #expect(!sandbox.exists("a/x"))
    }

    @Test func whiteoutsHideLowerLayersOnly() throws {
        let sandbox = try UnpackSandbox()
        try sandbox.apply([
            try LayerFixture.layer([E.directory("etc/"), E.file("etc/old"), E.file("etc/keep"), E.directory("bin/"), E.file("bin/tool")]),
            try LayerFixture.layer([E.whiteout("etc/.wh.old"), E.file("etc/new"), E.whiteout("etc/.wh.new"), E.whiteout("bin/.wh..wh..opq")]),
        ])
        #expect(!sandbox.exists("etc/old"))
        #expect(sandbox.exists("etc/keep"))
        #expect(sandbox.exists("etc/new"), "a whiteout must not hide an entry of its own layer")
        #expect(sandbox.exists("bin") && !sandbox.exists("bin/tool"))
        #expect(!sandbox.exists("etc/.wh.old") && !sandbox.exists("bin/.wh..wh..opq"))
    }

    /// A whiteout of a directory the same layer also writes hides what lower layers had in it and keeps
    /// the layer's own directory (found by the differential run against umoci: it was a no-op).
    @Test func whiteoutOfADirectoryTheLayerAlsoWritesHidesTheLowerContent() throws {
        let sandbox = try UnpackSandbox()
        try sandbox.apply([
            try LayerFixture.layer([E.directory("dir/"), E.directory("dir/sub/"), E.file("dir/sub/old")]),
            try LayerFixture.layer([E.directory("dir/", mode: 0o700), E.file("dir/new"), E.whiteout(".wh.dir")]),
        ])
        #expect(sandbox.exists("dir/new"))
        #expect(!sandbox.exists("dir/sub"), "the lower layer's content of dir is hidden")
    }

    /// A whiteout below a symlink the same layer made names a path the lower layers never had: it hides
    /// nothing, even where the symlink leads to lower content (umoci agrees; found by the differential run).
    @Test(arguments: [("link", "dir"), ("link", "/dir"), ("link", "/"), ("link", "link")])
    func whiteoutBelowTheLayersOwnSymlinkHidesNothing(link: String, target: String) throws {
        let sandbox = try UnpackSandbox()
        try sandbox.apply([
            try LayerFixture.layer([E.directory("dir/"), E.file("dir/kept")]),
            try LayerFixture.layer([E.whiteout(BytePath("\(link)/.wh.kept")), E.whiteout(BytePath("\(link)/.wh.dir")), E.symlink(BytePath(link), to: BytePath(target))]),
        ])
        #expect(sandbox.contents("dir/kept") == "content")
    }

    @Test func opaqueWhiteoutAppliesFirstWhateverItsPosition() throws {
        let sandbox = try UnpackSandbox()
        try sandbox.apply([
            try LayerFixture.layer([E.directory("a/"), E.directory("a/b/"), E.directory("a/b/c/"), E.file("a/b/c/bar")]),
            try LayerFixture.layer([E.directory("a/"), E.directory("a/b/"), E.directory("a/b/c/"), E.file("a/b/c/foo"), E.whiteout("a/.wh..wh..opq")]),
        ])
        #expect(sandbox.exists("a/b/c/foo"))
        #expect(!sandbox.exists("a/b/c/bar"))
    }

    @Test func metadataIsApplied() throws {
        let sandbox = try UnpackSandbox()
        var file = E.file("bin/su", "#!/bin/sh", mode: 0o4755)
        file.header.uid = 1000
        file.header.gid = 1000
        file.header.modificationTime = 1_234_567_890
        var directory = E.directory("bin/", mode: 0o750)
        directory.header.modificationTime = 1_000_000_000
        try sandbox.apply([try LayerFixture.layer([directory, file, E.symlink("bin/sh", to: "su")])])
        var info = stat()
        #expect(lstat("\(sandbox.root)/bin/su", &info) == 0)
        #expect(info.st_mode & 0o7777 == 0o4755, "setuid must survive chown")
        #expect(info.st_mtim.tv_sec == 1_234_567_890)
        if geteuid() == 0 { #expect(info.st_uid == 1000 && info.st_gid == 1000) }
        #expect(lstat("\(sandbox.root)/bin", &info) == 0)
        #expect(info.st_mode & 0o7777 == 0o750)
        #expect(info.st_mtim.tv_sec == 1_000_000_000, "directory times are restored after their children")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "\(sandbox.root)/bin/sh") == "su")
    }

    @Test func hardlinksShareAnInode() throws {
        let sandbox = try UnpackSandbox()
        try sandbox.apply([try LayerFixture.layer([E.file("a", "shared"), E.hardlink("b", to: "a")])])
        var first = stat(), second = stat()
        #expect(lstat("\(sandbox.root)/a", &first) == 0 && lstat("\(sandbox.root)/b", &second) == 0)
        #expect(first.st_ino == second.st_ino)
    }

    @Test func verifiesDigestsAndNamesTheLayer() throws {
        let sandbox = try UnpackSandbox()
        let layer = try LayerFixture.layer([E.file("a")])
        let unpacker = try Unpacker(rootPath: sandbox.root)
        try unpacker.apply(layer: MemorySource(layer), index: 0, compression: LayerCompression.none, expectedDigest: Digest.of(layer), expectedDiffID: Digest.of(layer))
        let wrong = Digest.of([1, 2, 3])
        #expect { try unpacker.apply(layer: MemorySource(layer), index: 3, expectedDiffID: wrong) } throws: { error in
            "\(error)".contains("layer 3") && "\(error)".contains(wrong.description) && "\(error)".contains(Digest.of(layer).description)
        }
    }
}

/// Regressions from the security review of the unpacker.
@Suite struct UnpackerReviewRegressionTests {
    typealias E = LayerFixture.Entry

    @Test func deepPathsAreRefusedCheaply() throws {
        let sandbox = try UnpackSandbox()
        let deep = "f/" + Array(repeating: "a", count: 3000).joined(separator: "/")
        #expect { try sandbox.apply([try LayerFixture.layer([E.file("f"), E.file(BytePath(deep))])]) } throws: { "\($0)".contains("longer than 4096 bytes") }
    }

    @Test(arguments: [false, true])
    func opaqueWhiteoutDoesNotDependOnOrder(_ markerFirst: Bool) throws {
        let sandbox = try UnpackSandbox()
        let upper = markerFirst
            ? [E.whiteout("d/.wh..wh..opq"), E.directory("d/"), E.file("d/new")]
            : [E.directory("d/"), E.whiteout("d/.wh..wh..opq"), E.file("d/new")]
        try sandbox.apply([
            try LayerFixture.layer([E.directory("e/"), E.file("e/keep"), E.symlink("d", to: "e")]),
            try LayerFixture.layer(upper),
        ])
        #expect(sandbox.exists("e/keep"), "an opaque whiteout of d must not reach e through d's old symlink")
        #expect(sandbox.exists("d/new"))
    }

    @Test(arguments: [false, true])
    func whiteoutSparesContentCreatedThroughASymlink(_ whiteoutFirst: Bool) throws {
        let sandbox = try UnpackSandbox()
        let upper = whiteoutFirst
            ? [E.whiteout(".wh.d"), E.symlink("l", to: "d"), E.file("l/new")]
            : [E.symlink("l", to: "d"), E.file("l/new"), E.whiteout(".wh.d")]
        try sandbox.apply([try LayerFixture.layer([E.directory("d/"), E.file("d/old")]), try LayerFixture.layer(upper)])
        #expect(sandbox.exists("d/new"), "a whiteout must not hide what its own layer created")
        #expect(!sandbox.exists("d/old"))
    }

    @Test func readOnlyDirectoriesAreFilledThenProtected() throws {
        let sandbox = try UnpackSandbox()
        try sandbox.apply([try LayerFixture.layer([E.directory("root/", mode: 0o550), E.file("root/.bashrc")])])
        var info = stat()
        #expect(lstat("\(sandbox.root)/root", &info) == 0 && info.st_mode & 0o7777 == 0o550)
        #expect(sandbox.exists("root/.bashrc"))
    }
}
