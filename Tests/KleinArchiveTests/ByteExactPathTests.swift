import Foundation
import Testing
@testable import KleinArchive

#if canImport(Glibc)
import Glibc
#endif

/// Linux file names are bytes, not Unicode. Names and link targets that are not UTF-8 are read,
/// unpacked, scanned and written with exactly their bytes, as GNU tar, umoci and containerd keep them.
@Suite struct ByteExactPathTests {
    typealias E = LayerFixture.Entry

    /// `café.txt` in Latin-1: a lone 0xE9 is not UTF-8.
    static let latin1 = BytePath(bytes: Array("caf".utf8) + [0xE9] + Array(".txt".utf8))
    static let directory = BytePath(bytes: [0x64, 0xFF, 0xFE])
    static let inner = BytePath(bytes: [0x61, 0xE9])
    static let hiddenInner = BytePath(bytes: [0x62, 0xFE])
    static let symlink = BytePath(bytes: Array("link".utf8) + [0x80])
    /// A truncated two-byte sequence.
    static let invalidTarget = BytePath(bytes: [0xC3, 0x28])
    static let gone = BytePath(bytes: Array("gone".utf8) + [0xFF])
    static let repeated = BytePath(bytes: Array("rep".utf8) + [0xFE])
    /// Over 100 bytes with no slash to split at: written as a pax `path` record of raw bytes.
    static let long = BytePath(bytes: [UInt8](repeating: 0x6C, count: 140) + [0xFF, 0x6C])

    // MARK: Reading

    @Test func theReaderKeepsPathsAndLinkTargetsThatAreNotUTF8() throws {
        let bytes = try TarTest.archive([
            TarTestMember(TarEntry(path: Self.latin1, kind: .regular), Array("x".utf8)),
            TarTestMember(TarEntry(path: Self.symlink, kind: .symlink, linkTarget: Self.invalidTarget)),
            TarTestMember(TarEntry(path: Self.long, kind: .hardlink, linkTarget: Self.latin1)),
        ])
        let members = try TarTest.read(bytes)
        #expect(members.map(\.entry.path) == [Self.latin1, Self.symlink, Self.long])
        #expect(members.map(\.entry.linkTarget) == ["", Self.invalidTarget, Self.latin1])
    }

    /// GNU tar writes a name that is not UTF-8 as raw bytes in a pax `path` record; Python's tarfile
    /// adds `hdrcharset=BINARY`. Both read as the raw bytes.
    @Test(arguments: [false, true])
    func paxRecordsOfRawBytesAreReadAsTheirBytes(binaryCharset: Bool) throws {
        var records = TarPAXRecords.format(key: Array("path".utf8), value: Self.latin1.bytes)
        if binaryCharset { records = TarPAXRecords.format(key: Array("hdrcharset".utf8), value: Array("BINARY".utf8)) + records }
        let bytes = TarTest.header(name: "PaxHeaders/x", typeflag: UInt8(ascii: "x"), size: Int64(records.count))
            + TarTest.padded(records) + TarTest.header(name: "caf?.txt") + TarTest.endOfArchive
        #expect(try TarTest.read(bytes).map(\.entry.path) == [Self.latin1])
    }

    @Test func messagesShowBytesThatAreNotUTF8Escaped() throws {
        #expect(Self.latin1.description == "caf\\xe9.txt")
        #expect(BytePath("new\nline").description == "new\\x0aline")
        #expect(BytePath("caf\u{E9}").description == "caf\u{E9}")
        let sandbox = try UnpackSandbox()
        let error = try #require(throws: ArchiveError.self) {
            try sandbox.apply([try LayerFixture.layer([E.file("/abs" + Self.gone)])])
        }
        #expect("\(error)".contains("\"/abs" + "gone\\xff\""), "\(error)")
    }

    // MARK: Unpacking

    @Test func namesThatAreNotUTF8UnpackToExactlyTheirBytes() throws {
        let sandbox = try UnpackSandbox()
        let unpacker = try sandbox.apply([
            try LayerFixture.layer([
                E.file(Self.latin1, "latin-1"),
                E.directory(Self.directory + "/"),
                E.file(Self.directory.appending(Self.inner), "inside"),
                E.file(Self.directory.appending(Self.hiddenInner), "hidden next layer"),
                E.symlink(Self.symlink, to: Self.latin1),
                E.symlink("dangling", to: Self.invalidTarget),
                E.hardlink("hard", to: Self.latin1),
                E.hardlink("hard-inside", to: Self.directory.appending(Self.inner)),
                E.file(Self.gone, "hidden next layer"),
                E.file(Self.repeated, "first"),
                E.file(Self.repeated, "second"),
            ]),
            try LayerFixture.layer([E.whiteout(".wh." + Self.gone), E.whiteout(Self.directory.appending(".wh." + Self.hiddenInner))]),
        ])
        let root = BytePath(sandbox.root)
        let expected: [BytePath] = [Self.latin1, "dangling", Self.directory, "hard", "hard-inside", Self.symlink, Self.repeated]
        #expect(ByteNames.list(root) == expected.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) })
        #expect(ByteNames.list(root.appending(Self.directory)) == [Self.inner])
        #expect(ByteNames.contents(root.appending(Self.latin1)) == Array("latin-1".utf8))
        #expect(ByteNames.contents(root.appending(Self.directory).appending(Self.inner)) == Array("inside".utf8))
        #expect(ByteNames.link(root.appending(Self.symlink)) == Self.latin1)
        #expect(ByteNames.link(root.appending("dangling")) == Self.invalidTarget)
        #expect(ByteNames.inode(root.appending("hard")) == ByteNames.inode(root.appending(Self.latin1)))
        #expect(ByteNames.inode(root.appending("hard-inside")) == ByteNames.inode(root.appending(Self.directory).appending(Self.inner)))
        #expect(ByteNames.contents(root.appending(Self.repeated)) == Array("second".utf8))
        #expect(unpacker.warnings.count == 1, "\(unpacker.warnings)")
        #expect(unpacker.warnings.first?.contains("rep\\xfe") == true, "\(unpacker.warnings)")
    }

    @Test func anOpaqueWhiteoutInADirectoryNamedInBytesHidesItsLowerChildren() throws {
        let sandbox = try UnpackSandbox()
        try sandbox.apply([
            try LayerFixture.layer([E.directory(Self.directory + "/"), E.file(Self.directory.appending(Self.inner), "lower")]),
            try LayerFixture.layer([E.whiteout(Self.directory.appending(".wh..wh..opq")), E.file(Self.directory.appending(Self.hiddenInner), "upper")]),
        ])
        #expect(ByteNames.list(BytePath(sandbox.root).appending(Self.directory)) == [Self.hiddenInner])
    }

    // MARK: Writing a tree

    /// A tree with names and link targets that are not UTF-8, a hardlink, and a name long enough for pax.
    static func makeTree(at root: BytePath) throws {
        try ByteNames.makeFile(root.appending(Self.latin1), Array("latin-1".utf8))
        try ByteNames.makeDirectory(root.appending(Self.directory))
        try ByteNames.makeFile(root.appending(Self.directory).appending(Self.inner), Array("inside".utf8))
        try ByteNames.makeSymlink(root.appending(Self.symlink), to: Self.latin1)
        try ByteNames.makeSymlink(root.appending("dangling"), to: Self.invalidTarget)
        try ByteNames.makeHardlink(root.appending(Self.directory).appending(Self.hiddenInner), to: root.appending(Self.latin1))
        try ByteNames.makeFile(root.appending(Self.long), Array("long".utf8))
        try ByteNames.makeFile(root.appending("plain"), Array("ascii".utf8))
    }

    @Test func theLayerWriterKeepsNamesThatAreNotUTF8AndUnpackingRestoresThem() throws {
        try TarTest.withTemporaryDirectory { directory in
            let source = BytePath(directory.path).appending("source")
            try ByteNames.makeDirectory(source)
            try Self.makeTree(at: source)
            let sink = MemorySink()
            _ = try LayerWriter(compression: .none).write(directory: directory.path + "/source", to: sink)

            let paths = try TarTest.read(sink.bytes).map(\.entry.path)
            let expected: [BytePath] = [
                Self.latin1, "dangling", Self.directory + "/", Self.directory.appending(Self.inner),
                Self.directory.appending(Self.hiddenInner), Self.symlink, Self.long, "plain",
            ]
            #expect(paths == expected.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) })

            let sandbox = try UnpackSandbox()
            try sandbox.apply([sink.bytes])
            #expect(ByteNames.tree(BytePath(sandbox.root)) == ByteNames.tree(source))
            #expect(ByteNames.tree(source).count == expected.count)
        }
    }

    // MARK: GNU tar

    /// GNU tar archives a tree with names that are not UTF-8 (pax: raw bytes in `path` records; GNU
    /// format: raw bytes in the header and `L` records); Klein unpacks it to the same tree.
    @Test(arguments: ["posix", "gnu"])
    func kleinUnpacksWhatGNUTarArchives(format: String) throws {
        try TarTest.withTemporaryDirectory { directory in
            let source = BytePath(directory.path).appending("source")
            try ByteNames.makeDirectory(source)
            try Self.makeTree(at: source)
            let archive = directory.path + "/tree.tar"
            let result = try TarTest.runTar(["--format=\(format)", "-C", directory.path + "/source", "-cf", archive, "."])
            #expect(result.status == 0, "\(result.errors)")
            let sandbox = try UnpackSandbox()
            try sandbox.apply([Array(try Data(contentsOf: URL(fileURLWithPath: archive)))])
            #expect(ByteNames.tree(BytePath(sandbox.root)) == ByteNames.tree(source))
        }
    }

    /// GNU tar extracts Klein's layer of the same tree to the same tree, without a warning.
    @Test func gnuTarExtractsKleinsLayerExactly() throws {
        try TarTest.withTemporaryDirectory { directory in
            let source = BytePath(directory.path).appending("source")
            try ByteNames.makeDirectory(source)
            try Self.makeTree(at: source)
            let layer = directory.path + "/layer.tar"
            _ = try LayerWriter(compression: .none).write(directory: directory.path + "/source", to: try FileSink(path: layer))
            try FileManager.default.createDirectory(atPath: directory.path + "/out", withIntermediateDirectories: false)
            let result = try TarTest.runTar(["-C", directory.path + "/out", "-xf", layer])
            #expect(result.status == 0 && result.errors.isEmpty, "\(result.errors)")
            #expect(ByteNames.tree(BytePath(directory.path).appending("out")) == ByteNames.tree(source))
        }
    }
}
