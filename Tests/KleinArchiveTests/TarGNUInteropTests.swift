import CXattr
import Foundation
import Testing
@testable import KleinArchive

#if canImport(Glibc)
import Glibc
#endif

/// `getxattr`/`setxattr` through the CXattr module.
enum TarXattr {
    static func get(_ path: String, _ name: String) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { getxattr(path, name, $0.baseAddress, $0.count) }
        return count < 0 ? nil : Array(buffer[..<count])
    }

    static func set(_ path: String, _ name: String, _ value: [UInt8]) -> Bool {
        value.withUnsafeBytes { setxattr(path, name, $0.baseAddress, $0.count, 0) } == 0
    }
}

/// GNU tar (`/bin/tar`) as the peer: it reads what Klein writes, and Klein reads what it writes.
/// A missing GNU tar fails these tests (scripts/test installs the peers); it never skips them.
@Suite
struct TarGNUInteropTests {
    // MARK: Klein writes, GNU tar reads

    /// One `tar -tv` line: type and permissions, owner, size (or `major,minor`), name, link.
    struct Listing: Equatable {
        var permissions: String
        var owner: String
        var size: String
        var name: String
        var link: String?
    }

    static func parseListing(_ line: Substring) -> Listing? {
        var rest = line[...]
        func token() -> Substring {
            rest = rest.drop { $0 == " " }
            let value = rest.prefix { $0 != " " }
            rest = rest.dropFirst(value.count)
            return value
        }
        let permissions = token()
        let owner = token()
        var size = token()
        if size.hasSuffix(",") { size += token() } // "1, 3" for devices on some versions
        _ = token() // date
        _ = token() // time
        rest = rest.drop { $0 == " " } // GNU tar aligns the names; none of ours starts with a space
        var name = String(rest)
        var link: String?
        if let range = name.range(of: " -> ") {
            link = String(name[range.upperBound...])
            name = String(name[..<range.lowerBound])
        } else if let range = name.range(of: " link to ") {
            link = String(name[range.upperBound...])
            name = String(name[..<range.lowerBound])
        }
        guard !permissions.isEmpty else { return nil }
        return Listing(permissions: String(permissions), owner: String(owner), size: String(size), name: name, link: link)
    }

    static func expectedListing(_ entry: TarEntry) -> Listing {
        let typeCharacter: Character
        switch entry.kind {
        case .regular: typeCharacter = "-"
        case .directory: typeCharacter = "d"
        case .symlink: typeCharacter = "l"
        case .hardlink: typeCharacter = "h"
        case .characterDevice: typeCharacter = "c"
        case .blockDevice: typeCharacter = "b"
        case .fifo: typeCharacter = "p"
        }
        var permissions = String(typeCharacter)
        let mode = entry.mode
        let triples: [(UInt32, UInt32, Character, Character)] = [
            (0o400, 0o4000, "s", "S"), (0o40, 0o2000, "s", "S"), (0o4, 0o1000, "t", "T"),
        ]
        for (index, (execBit, specialBit, setExec, setNoExec)) in triples.enumerated() {
            let shift = UInt32(2 - index) * 3
            permissions.append(mode & (0o4 << shift) != 0 ? "r" : "-")
            permissions.append(mode & (0o2 << shift) != 0 ? "w" : "-")
            let exec = mode & (0o1 << shift) != 0
            _ = execBit
            if mode & specialBit != 0 {
                permissions.append(exec ? setExec : setNoExec)
            } else {
                permissions.append(exec ? "x" : "-")
            }
        }
        let owner = (entry.userName.isEmpty ? String(entry.uid) : entry.userName) + "/"
            + (entry.groupName.isEmpty ? String(entry.gid) : entry.groupName)
        let size = entry.kind == .characterDevice || entry.kind == .blockDevice
            ? "\(entry.deviceMajor),\(entry.deviceMinor)" : String(entry.size)
        let link: String? = entry.kind == .symlink || entry.kind == .hardlink ? entry.linkTarget.description : nil
        return Listing(permissions: permissions, owner: owner, size: size, name: entry.path.description, link: link)
    }

    @Test func gnuTarListsKleinArchive() throws {
        // GNU tar 1.34 does not know SCHILY.devmajor/devminor (star and libarchive do): it warns
        // and lists major 0, so the out-of-range device is checked in the round-trip tests only.
        let members = TarRoundTripTests.members.filter { $0.entry.path != "dev/huge" }
        let bytes = try TarTest.archive(members)
        try TarTest.withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("klein.tar")
            try Data(bytes).write(to: file)
            let result = try TarTest.runTar(["--quoting-style=literal", "-tvf", file.path])
            #expect(result.status == 0, "\(result.errors)")
            #expect(result.errors.isEmpty, "\(result.errors)")
            let lines = result.output.split(separator: "\n")
            #expect(lines.count == members.count)
            for (line, member) in zip(lines, members) {
                let listing = try #require(Self.parseListing(line))
                #expect(listing == Self.expectedListing(member.entry), "\(line)")
            }
        }
    }

    @Test func gnuTarExtractsKleinArchive() throws {
        // Devices are left out: creating them needs privileges a container may not have.
        let members = TarRoundTripTests.members.filter {
            $0.entry.kind != .characterDevice && $0.entry.kind != .blockDevice && $0.entry.kind != .fifo

        } + [TarTestMember(TarEntry(path: "big/blob", kind: .regular, mode: 0o640), TarTest.bytes(count: 700_000, seed: 4))]
        let bytes = try TarTest.archive(members)
        try TarTest.withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("klein.tar")
            let root = directory.appendingPathComponent("root")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            try Data(bytes).write(to: file)
            let result = try TarTest.runTar(
                ["--xattrs", "--xattrs-include=user.*", "--no-same-owner", "-xpf", file.path, "-C", root.path]
            )
            #expect(result.status == 0, "\(result.errors)")
            for member in members {
                let url = root.appendingPathComponent(member.entry.path.description)
                switch member.entry.kind {
                case .regular, .hardlink:
                    let expected = member.entry.kind == .regular
                        ? member.contents
                        : members.first { $0.entry.path == member.entry.linkTarget }!.contents
                    #expect(Array(try Data(contentsOf: url)) == expected, "\(member.entry.path)")
                    var info = stat()
                    #expect(stat(url.path, &info) == 0)
                    if member.entry.kind == .regular {
                        #expect(UInt32(info.st_mode) & 0o7777 == member.entry.mode, "\(member.entry.path)")
                    }
                case .symlink:
                    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: url.path) == member.entry.linkTarget.description)
                case .directory:
                    var isDirectory: ObjCBool = false
                    #expect(FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue)
                default:
                    break
                }
                for (name, value) in member.entry.xattrs where name.hasPrefix("user.") {
                    #expect(TarXattr.get(url.path, name) == value, "xattr \(name)")
                }
            }
        }
    }

    // MARK: GNU tar writes, Klein reads

    struct Tree {
        var files: [(path: String, contents: [UInt8], mode: UInt32)]
        var directories: [String]
        var symlinks: [(path: String, target: String)]
        var hardlinks: [(path: String, target: String)]
        var fifos: [String]
    }

    static let basicTree = Tree(
        files: [("a.txt", Array("hello\n".utf8), 0o644), ("bin/tool", TarTest.bytes(count: 10_000, seed: 5), 0o4755),
                ("empty", [], 0o600)],
        directories: ["bin", "var", "var/tmp"],
        symlinks: [("bin/sh", "tool")],
        hardlinks: [("bin/tool2", "bin/tool")],
        fifos: []
    )

    static let longDirectory = String(repeating: "long-directory-name/", count: 8) // 160 bytes
    static let longTree = Tree(
        files: [(longDirectory + "file.txt", Array("deep".utf8), 0o644),
                ("n" + String(repeating: "x", count: 149), Array("long name".utf8), 0o644)],
        directories: [String(longDirectory.dropLast())],
        symlinks: [("link", String(repeating: "../", count: 50) + "target")],
        hardlinks: [("zz-hard", "n" + String(repeating: "x", count: 149))],
        fifos: ["pipe"]
    )

    static func build(_ tree: Tree, at root: URL) throws {
        let manager = FileManager.default
        for directory in tree.directories {
            try manager.createDirectory(at: root.appendingPathComponent(directory), withIntermediateDirectories: true)
        }
        for file in tree.files {
            let url = root.appendingPathComponent(file.path)
            try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(file.contents).write(to: url)
            #expect(chmod(url.path, mode_t(file.mode)) == 0)
        }
        for link in tree.symlinks {
            try manager.createSymbolicLink(atPath: root.appendingPathComponent(link.path).path, withDestinationPath: link.target)
        }
        for link in tree.hardlinks {
            #expect(Glibc.link(root.appendingPathComponent(link.target).path, root.appendingPathComponent(link.path).path) == 0)
        }
        for fifo in tree.fifos { #expect(mkfifo(root.appendingPathComponent(fifo).path, 0o644) == 0) }
    }

    /// Archives `tree` with GNU tar in `format` and reads it back with Klein.
    static func gnuArchive(_ tree: Tree, format: String, extra: [String] = []) throws -> [UInt8] {
        try TarTest.withTemporaryDirectory { directory in
            let root = directory.appendingPathComponent("src")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            try build(tree, at: root)
            let file = directory.appendingPathComponent("gnu.tar")
            let result = try TarTest.runTar(
                ["--format=\(format)", "--mtime=@1700000000", "--owner=0", "--group=0", "--numeric-owner", "--sort=name"]
                    + extra + ["-cf", file.path, "-C", root.path, "."]
            )
            #expect(result.status == 0, "\(result.errors)")
            return Array(try Data(contentsOf: file))
        }
    }

    static func check(_ members: [TarTestMember], against tree: Tree) {
        func find(_ path: String) -> TarTestMember? { members.first { $0.entry.path == BytePath("./" + path) } }
        #expect(members.first?.entry.path == "./")
        #expect(members.first?.entry.kind == .directory)
        for member in members {
            #expect(member.entry.modificationTime == 1_700_000_000, "\(member.entry.path)")
            #expect(member.entry.uid == 0 && member.entry.gid == 0)
        }
        for file in tree.files {
            guard let member = find(file.path) else {
                Issue.record("missing \(file.path)")
                continue
            }
            #expect(member.entry.kind == .regular)
            #expect(member.contents == file.contents)
            #expect(member.entry.size == Int64(file.contents.count))
            #expect(member.entry.mode == file.mode, "\(file.path)")
        }
        for link in tree.symlinks {
            #expect(find(link.path)?.entry.kind == .symlink)
            #expect(find(link.path)?.entry.linkTarget == BytePath(link.target))
        }
        for link in tree.hardlinks {
            #expect(find(link.path)?.entry.kind == .hardlink)
            #expect(find(link.path)?.entry.linkTarget == BytePath("./" + link.target))
            #expect(find(link.path)?.entry.size == 0)
        }
        for fifo in tree.fifos { #expect(find(fifo)?.entry.kind == .fifo) }
        // Every directory, including the parents GNU tar archives on the way down.
        var directories = Set(tree.directories)
        for path in tree.files.map(\.path) + tree.directories + tree.symlinks.map(\.path) + tree.hardlinks.map(\.path) + tree.fifos {
            var components = path.split(separator: "/").dropLast()
            while !components.isEmpty {
                directories.insert(components.joined(separator: "/"))
                components = components.dropLast()
            }
        }
        for directory in directories {
            #expect(find(directory + "/")?.entry.kind == .directory, "\(directory)")
        }
        let expectedCount = 1 + tree.files.count + directories.count + tree.symlinks.count + tree.hardlinks.count + tree.fifos.count
        #expect(members.count == expectedCount)
    }

    @Test(arguments: ["ustar", "gnu", "posix", "v7", "oldgnu"])
    func kleinReadsGNUTar(format: String) throws {
        let bytes = try Self.gnuArchive(Self.basicTree, format: format)
        for chunk in [Int.max, 100] {
            Self.check(try TarTest.read(bytes, chunk: chunk), against: Self.basicTree)
        }
    }

    @Test(arguments: ["gnu", "posix"])
    func kleinReadsGNUTarLongNames(format: String) throws {
        let bytes = try Self.gnuArchive(Self.longTree, format: format)
        if format == "gnu" {
            #expect(String(decoding: bytes, as: UTF8.self).contains("././@LongLink"))
        }
        Self.check(try TarTest.read(bytes), against: Self.longTree)
    }

    @Test func kleinReadsGNUTarUSTARPrefix() throws {
        let tree = Tree(files: [(Self.longDirectory + "f", Array("prefix".utf8), 0o644)], directories: [String(Self.longDirectory.dropLast())],
                        symlinks: [], hardlinks: [], fifos: [])
        let bytes = try Self.gnuArchive(tree, format: "ustar")
        Self.check(try TarTest.read(bytes), against: tree)
    }

    /// uid 3000000000 comes back through base-256 (gnu) or a pax `uid` record (posix); a
    /// negative mtime through base-256 or pax `mtime`.
    @Test(arguments: ["gnu", "posix"])
    func largeIdsAndNegativeTimes(format: String) throws {
        let bytes = try Self.gnuArchive(Self.basicTree, format: format, extra: ["--owner=:3000000000", "--group=:4000000000", "--mtime=@-1000"])
        if format == "gnu" { #expect(bytes[108] & 0x80 != 0 && bytes[136] & 0x80 != 0) }
        let members = try TarTest.read(bytes)
        #expect(members.count == 9)
        for member in members {
            #expect(member.entry.uid == 3_000_000_000)
            #expect(member.entry.gid == 4_000_000_000)
            #expect(member.entry.modificationTime == -1000)
        }
    }

    /// pax records GNU tar adds (atime, ctime with fractions, xattrs with binary values).
    @Test func paxTimesAndXattrsFromGNUTar() throws {
        try TarTest.withTemporaryDirectory { directory in
            let root = directory.appendingPathComponent("src")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            let file = root.appendingPathComponent("f")
            try Data("x".utf8).write(to: file)
            let value: [UInt8] = [0x68, 0x00, 0x0A, 0xFF]
            // The test directory's file system must take user xattrs: a machine without them fails here, never passes silently.
            try #require(TarXattr.set(file.path, "user.klein", value), "setting a user.* xattr in \(directory.path)")
            let archive = directory.appendingPathComponent("x.tar")
            let result = try TarTest.runTar(["--format=posix", "--xattrs", "--xattrs-include=*", "-cf", archive.path, "-C", root.path, "f"])
            #expect(result.status == 0, "\(result.errors)")
            let members = try TarTest.read(Array(try Data(contentsOf: archive)))
            #expect(members.count == 1)
            #expect(members.first?.entry.xattrs == ["user.klein": value])
            #expect(members.first?.contents == Array("x".utf8))
        }
    }

    @Test(arguments: ["gnu", "posix", "oldgnu"])
    func sparseFilesAreRejected(format: String) throws {
        try TarTest.withTemporaryDirectory { directory in
            let root = directory.appendingPathComponent("src")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            let file = root.appendingPathComponent("sparse")
            #expect(FileManager.default.createFile(atPath: file.path, contents: nil))
            let handle = try FileHandle(forWritingTo: file)
            try handle.truncate(atOffset: 4 << 20)
            try handle.seek(toOffset: 1 << 20)
            try handle.write(contentsOf: Data("data".utf8))
            try handle.close()
            let archive = directory.appendingPathComponent("s.tar")
            let result = try TarTest.runTar(["--format=\(format)", "--sparse", "-cf", archive.path, "-C", root.path, "sparse"])
            #expect(result.status == 0, "\(result.errors)")
            let error = TarTest.readError(Array(try Data(contentsOf: archive)))
            guard case let .unsupportedTar(entry, reason) = error else {
                Issue.record("expected unsupportedTar, got \(String(describing: error))")
                return
            }
            #expect(entry.contains("sparse"))
            #expect(reason.contains("sparse files are not supported in layers"))
        }
    }
}
