import Testing
@testable import KleinArchive

/// The reader on malformed and unusual input: every case throws its specific error or reads as
/// the formats define, and nothing crashes.
@Suite struct TarHostileInputTests {
    static let x = UInt8(ascii: "x")

    static func paxArchive(_ records: String, entry: String = "file", limits: TarReader.Limits = .init()) -> ArchiveError? {
        let data = Array(records.utf8)
        let bytes = TarTest.header(name: "PaxHeaders/file", typeflag: x, size: Int64(data.count)) + TarTest.padded(data)
            + TarTest.header(name: entry) + TarTest.endOfArchive
        return TarTest.readError(bytes, limits: limits)
    }

    static func expectCorrupt(_ error: ArchiveError?, offset: Int64? = nil, _ text: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        guard case let .corruptTar(at, reason) = error else {
            Issue.record("expected corruptTar (\(text)), got \(String(describing: error))", sourceLocation: sourceLocation)
            return
        }
        if let offset { #expect(at == offset, sourceLocation: sourceLocation) }
        #expect(reason.contains(text), "\(reason)", sourceLocation: sourceLocation)
    }

    static func expectUnsupported(_ error: ArchiveError?, entry: String, _ text: String,
                                  sourceLocation: SourceLocation = #_sourceLocation) {
        guard case let .unsupportedTar(name, reason) = error else {
            Issue.record("expected unsupportedTar (\(text)), got \(String(describing: error))", sourceLocation: sourceLocation)
            return
        }
        #expect(name == entry, sourceLocation: sourceLocation)
        #expect(reason.contains(text), "\(reason)", sourceLocation: sourceLocation)
    }

    static func sample() throws -> [UInt8] {
        try TarTest.archive([
            TarTestMember(TarEntry(path: "one", kind: .regular), TarTest.bytes(count: 1000, seed: 11)),
            TarTestMember(TarEntry(path: "two", kind: .regular), Array("2".utf8)),
        ])
    }

    // MARK: Truncation and end of archive

    @Test func truncatedHeader() throws {
        let bytes = try Self.sample()
        Self.expectCorrupt(TarTest.readError(Array(bytes[..<300])), offset: 0, "truncated header")
        Self.expectCorrupt(TarTest.readError(Array(bytes[..<(1536 + 100)])), offset: 1536, "truncated header")
    }

    @Test func truncatedContents() throws {
        let bytes = Array(try Self.sample()[..<(512 + 700)])
        Self.expectCorrupt(TarTest.readError(bytes), "truncated")

        // Skipping the contents from next() notices too.
        let reader = TarReader(source: MemorySource(bytes))
        #expect(try reader.next()?.path == "one")
        let error = TarTest.error { () throws(ArchiveError) in _ = try reader.next() }
        Self.expectCorrupt(error, offset: Int64(bytes.count), "300 bytes before the end of the contents of \"one\"")
        // Errors are sticky.
        Self.expectCorrupt(TarTest.error { () throws(ArchiveError) in _ = try reader.next() }, "truncated")
    }

    @Test func truncatedPaxData() throws {
        let data = Array("30 path=a-rather-long-name\n".utf8)
        let bytes = TarTest.header(name: "PaxHeaders/x", typeflag: Self.x, size: Int64(data.count)) + data.prefix(10)
        Self.expectCorrupt(TarTest.readError(bytes), "truncated")
    }

    @Test func acceptedEndings() throws {
        let full = try Self.sample()
        let withoutEnd = Array(full[..<2560])
        for bytes in [full, withoutEnd, withoutEnd + [UInt8](repeating: 0, count: 512), full + [UInt8](repeating: 0, count: 9216),
                      full + Array("trailing garbage after the end marker".utf8)] {
            let members = try TarTest.read(bytes)
            #expect(members.map(\.entry.path) == ["one", "two"])
        }
        // The stream ending inside the last entry's padding loses nothing (Go accepts it too).
        #expect(try TarTest.read(Array(full[..<(2048 + 1 + 10)])).map(\.entry.path) == ["one", "two"])
        #expect(try TarTest.read([]).isEmpty)
        #expect(try TarTest.read(TarTest.endOfArchive).isEmpty)
    }

    @Test func zeroBlockThenHeader() throws {
        let bytes = [UInt8](repeating: 0, count: 512) + (try Self.sample())
        Self.expectCorrupt(TarTest.readError(bytes), offset: 0, "zero block is followed by a non-zero block")
        Self.expectCorrupt(TarTest.readError([UInt8](repeating: 0, count: 700)), offset: 512, "truncated")
    }

    @Test func extendedHeaderWithoutEntry() throws {
        let data = Array("12 path=abc\n".utf8)
        let header = TarTest.header(name: "PaxHeaders/abc", typeflag: Self.x, size: Int64(data.count)) + TarTest.padded(data)
        Self.expectCorrupt(TarTest.readError(header), offset: 1024, "without the entry it describes")
        Self.expectCorrupt(TarTest.readError(header + TarTest.endOfArchive), offset: 1024, "without the entry it describes")
    }

    // MARK: Checksums and numeric fields

    @Test func badChecksum() throws {
        var bytes = try Self.sample()
        bytes[0] ^= 0x01
        Self.expectCorrupt(TarTest.readError(bytes), offset: 0, "checksum mismatch")

        var second = try Self.sample()
        second[1536 + 1] = UInt8(ascii: "X")
        Self.expectCorrupt(TarTest.readError(second), offset: 1536, "checksum mismatch")

        var garbage = try Self.sample()
        garbage.replaceSubrange(148..<156, with: Array("12x4567 ".utf8))
        Self.expectCorrupt(TarTest.readError(garbage), offset: 0, "checksum field is not an octal number")
    }

    @Test func signedChecksumIsAccepted() throws {
        var block = TarTest.header(name: "signed", size: 0)
        block[505] = 0xE9 // unused bytes after the prefix
        block.withUnsafeMutableBytes { raw in
            let sum = TarField.checksums(UnsafeRawBufferPointer(raw)).signed
            TarField.putOctal(sum, raw, 148..<155)
            raw[155] = 0x20
        }
        #expect(try TarTest.read(block + TarTest.endOfArchive).map(\.entry.path) == ["signed"])
    }

    @Test func negativeBase256Size() throws {
        var bytes = TarTest.header(name: "neg") + TarTest.endOfArchive
        bytes.replaceSubrange(124..<136, with: [UInt8](repeating: 0xFF, count: 12)) // -1
        TarTest.fixChecksum(&bytes, at: 0)
        Self.expectCorrupt(TarTest.readError(bytes), offset: 0, "negative size -1")

        bytes.replaceSubrange(124..<136, with: [0x80] + [UInt8](repeating: 0, count: 10) + [5])
        TarTest.fixChecksum(&bytes, at: 0)
        bytes.insert(contentsOf: TarTest.padded(Array("12345".utf8)), at: 512)
        let members = try TarTest.read(bytes)
        #expect(members.first?.contents == Array("12345".utf8))

        bytes.replaceSubrange(124..<136, with: [0xBF] + [UInt8](repeating: 0xFF, count: 11))
        TarTest.fixChecksum(&bytes, at: 0)
        Self.expectCorrupt(TarTest.readError(bytes), offset: 0, "size field is malformed")
    }

    @Test func base256AndPaddedOctalFields() throws {
        var bytes = TarTest.header(name: "f") + TarTest.endOfArchive
        bytes.replaceSubrange(100..<108, with: Array("  4755 \u{0}".utf8)) // mode with spaces
        bytes.replaceSubrange(108..<116, with: [0x80, 0, 0, 0, 0xB2, 0xD0, 0x5E, 0x00]) // uid 3000000000
        bytes.replaceSubrange(116..<124, with: Array("\u{0}\u{0}\u{0}0012\u{0}".utf8)) // gid with leading NULs
        bytes.replaceSubrange(136..<148, with: [0xFF] + [UInt8](repeating: 0xFF, count: 9) + [0xFC, 0x18]) // mtime -1000
        TarTest.fixChecksum(&bytes, at: 0)
        let entry = try #require(try TarTest.read(bytes).first?.entry)
        #expect(entry.mode == 0o4755)
        #expect(entry.uid == 3_000_000_000)
        #expect(entry.gid == 0o12)
        #expect(entry.modificationTime == -1000)

        bytes.replaceSubrange(100..<108, with: Array("07 55  \u{0}".utf8))
        TarTest.fixChecksum(&bytes, at: 0)
        Self.expectCorrupt(TarTest.readError(bytes), offset: 0, "mode field is malformed")
    }

    @Test func impossibleSize() throws {
        var bytes = TarTest.header(name: "huge") + TarTest.endOfArchive
        bytes.replaceSubrange(124..<136, with: [0x80, 0, 0, 0, 0x7F] + [UInt8](repeating: 0xFF, count: 7))
        TarTest.fixChecksum(&bytes, at: 0)
        Self.expectCorrupt(TarTest.readError(bytes), offset: 0, "impossible size")
    }

    // MARK: Typeflags

    @Test(arguments: ["Z", "V", "D", "M", "N", "X", "A", "8", "9"])
    func unknownTypeflag(flag: String) throws {
        let bytes = TarTest.header(name: "odd", typeflag: UInt8(ascii: Unicode.Scalar(flag)!)) + TarTest.endOfArchive
        Self.expectUnsupported(TarTest.readError(bytes), entry: "odd", "typeflag '\(flag)' is not supported")
    }

    @Test func oldGNUSparseHeader() throws {
        let bytes = TarTest.header(name: "holes", typeflag: UInt8(ascii: "S"), magic: TarLayout.gnuMagic, version: TarLayout.gnuVersion)
            + TarTest.endOfArchive
        Self.expectUnsupported(TarTest.readError(bytes), entry: "holes", "sparse files are not supported in layers")
    }

    @Test func paxSparseRecords() throws {
        Self.expectUnsupported(Self.paxArchive("22 GNU.sparse.major=1\n22 GNU.sparse.minor=0\n"), entry: "file",
                               "sparse files are not supported in layers")
        Self.expectUnsupported(Self.paxArchive("24 GNU.sparse.size=1000\n"), entry: "file", "sparse")
    }

    @Test func headerOnlyTypesCarryNoData() throws {
        // A hardlink or directory with a size field: no data blocks follow (Go reads it so).
        var bytes = TarTest.header(name: "h", typeflag: UInt8(ascii: "1"), size: 1000, linkName: "one")
        bytes += TarTest.header(name: "d/", typeflag: UInt8(ascii: "5"), size: 77)
        bytes += TarTest.header(name: "after", size: 2) + TarTest.padded(Array("ok".utf8)) + TarTest.endOfArchive
        let members = try TarTest.read(bytes)
        #expect(members.map(\.entry.path) == ["h", "d/", "after"])
        #expect(members.map(\.entry.size) == [0, 0, 2])
        #expect(members[2].contents == Array("ok".utf8))
    }

    @Test func v7AndOldGNUHeaders() throws {
        var v7 = TarTest.header(name: "dir/", typeflag: 0, magic: [UInt8](repeating: 0, count: 6), version: [0, 0])
        v7 += TarTest.header(name: "file", typeflag: 0, size: 3, magic: [UInt8](repeating: 0, count: 6), version: [0, 0])
        v7 += TarTest.padded(Array("abc".utf8)) + TarTest.endOfArchive
        let members = try TarTest.read(v7)
        #expect(members.map(\.entry.kind) == [.directory, .regular])
        #expect(members[1].contents == Array("abc".utf8))

        // Old GNU has access/change times where USTAR has the prefix: never joined as a path.
        var gnu = TarTest.header(name: "name", magic: TarLayout.gnuMagic, version: TarLayout.gnuVersion)
        gnu.replaceSubrange(345..<357, with: Array("14524770400\u{0}".utf8))
        TarTest.fixChecksum(&gnu, at: 0)
        #expect(try TarTest.read(gnu + TarTest.endOfArchive).first?.entry.path == "name")

        // USTAR joins it.
        var ustar = TarTest.header(name: "name")
        ustar.replaceSubrange(345..<351, with: Array("prefix".utf8))
        TarTest.fixChecksum(&ustar, at: 0)
        #expect(try TarTest.read(ustar + TarTest.endOfArchive).first?.entry.path == "prefix/name")
    }

    @Test func gnuLongNameAndLink() throws {
        let name = String(repeating: "n", count: 300)
        let target = String(repeating: "t", count: 200)
        var bytes = TarTest.header(name: "././@LongLink", typeflag: UInt8(ascii: "L"), size: 301, magic: TarLayout.gnuMagic,
                                   version: TarLayout.gnuVersion) + TarTest.padded(Array(name.utf8) + [0])
        bytes += TarTest.header(name: "././@LongLink", typeflag: UInt8(ascii: "K"), size: 201, magic: TarLayout.gnuMagic,
                                version: TarLayout.gnuVersion) + TarTest.padded(Array(target.utf8) + [0])
        bytes += TarTest.header(name: String(name.prefix(100)), typeflag: UInt8(ascii: "2"), linkName: String(target.prefix(100)),
                                magic: TarLayout.gnuMagic, version: TarLayout.gnuVersion)
        bytes += TarTest.endOfArchive
        let reader = TarReader(source: MemorySource(bytes))
        let entry = try #require(try reader.next())
        #expect(entry.path == BytePath(name) && entry.linkTarget == BytePath(target) && entry.kind == .symlink)
        #expect(reader.headerOffset == 2048)

        let limited = TarTest.readError(bytes, limits: .init(maximumMetadataSize: 300))
        guard case let .limitExceeded(what, limit) = limited else {
            Issue.record("expected limitExceeded, got \(String(describing: limited))")
            return
        }
        #expect(what.contains("GNU long name") && limit == 300)
    }

    // MARK: pax records

    @Test(arguments: [
        ("30 path=abc\n", "runs past the end"),
        ("11 path=abc\n", "no newline where the length 11 says"),
        ("13 path=abc\n", "runs past the end"),
        ("9 pathab\n", "missing '='"),
        ("1a path=x\n", "not a decimal number"),
        ("path=x\n", "not a decimal number"),
        ("12path=abc\n", "runs past the end"),
        ("10path=abc\n", "not a decimal number"),
        ("4 =\n", "too short"),
        ("6 =ab\n", "empty keyword"),
        ("13 path=a\u{0}bc\n", "path contains NUL"),
        ("16 linkpath=a\u{0}b\n", "linkpath contains NUL"),
        ("12 path=abc\n\n", "not a decimal number"),
        ("12 path=abc\n 5 a=b\n", "missing length"),
        ("12 uid=12x4\n", "uid is not a decimal number"),
        ("12 size=-10\n", "negative size"),
        ("14 mtime=1.5x\n", "mtime is not a time"),
    ])
    func malformedPaxRecord(records: String, reason: String) throws {
        Self.expectCorrupt(Self.paxArchive(records), reason)
    }

    @Test func paxRecordOverTheLimit() throws {
        let records = String(TarPAXRecords.format(key: Array("comment".utf8), value: [UInt8](repeating: 0x61, count: 300)).map { Character(Unicode.Scalar($0)) })
        let error = Self.paxArchive(records, limits: .init(maximumMetadataSize: 256))
        guard case let .limitExceeded(what, limit) = error else {
            Issue.record("expected limitExceeded, got \(String(describing: error))")
            return
        }
        #expect(what.contains("pax extended header") && limit == 256)
        #expect(Self.paxArchive(records, limits: .init(maximumMetadataSize: 1 << 20)) == nil)
    }

    @Test func paxValuesOverrideHeaderFields() throws {
        let records = "22 path=from/pax/name\n16 linkpath=tgt\n12 uid=1234\n14 gid=567890\n15 uname=alice\n13 gname=bob\n"
            + "19 mtime=-1.999999\n27 atime=1700000000.123456\n17 comment=hello\n"
        let data = Array(records.utf8)
        let bytes = TarTest.header(name: "PaxHeaders/x", typeflag: Self.x, size: Int64(data.count)) + TarTest.padded(data)
            + TarTest.header(name: "short", typeflag: UInt8(ascii: "2"), linkName: "ignored") + TarTest.endOfArchive
        let entry = try #require(try TarTest.read(bytes).first?.entry)
        #expect(entry == TarEntry(path: "from/pax/name", kind: .symlink, uid: 1234, gid: 567_890, userName: "alice", groupName: "bob",
                                  modificationTime: -1, linkTarget: "tgt"))
    }

    @Test func paxSizeDecidesDataLength() throws {
        let data = Array("10 size=5\n".utf8)
        let bytes = TarTest.header(name: "PaxHeaders/x", typeflag: Self.x, size: Int64(data.count)) + TarTest.padded(data)
            + TarTest.header(name: "f", size: 0) + TarTest.padded(Array("12345".utf8)) + TarTest.endOfArchive
        let members = try TarTest.read(bytes)
        #expect(members.first?.contents == Array("12345".utf8))
    }

    @Test func globalHeadersApplyToLaterEntries() throws {
        let global = Array("12 uid=4242\n14 uname=glob\n".utf8)
        let local = Array("7 uid=\n".utf8) // an empty value removes the global one for this entry
        var bytes = TarTest.header(name: "GlobalHead", typeflag: UInt8(ascii: "g"), size: Int64(global.count)) + TarTest.padded(global)
        bytes += TarTest.header(name: "a")
        bytes += TarTest.header(name: "PaxHeaders/b", typeflag: Self.x, size: Int64(local.count)) + TarTest.padded(local)
        bytes += TarTest.header(name: "b")
        bytes += TarTest.header(name: "c")
        bytes += TarTest.endOfArchive
        let entries = try TarTest.read(bytes).map(\.entry)
        #expect(entries.map(\.uid) == [4242, 0, 4242])
        #expect(entries.map(\.userName) == ["glob", "glob", "glob"])

        // Unknown global keywords are dropped, so thousands of them cost nothing per entry.
        var many: [UInt8] = []
        for index in 0..<2000 {
            many += TarPAXRecords.format(key: Array("comment\(index)".utf8), value: [0x62])
        }
        var noisy = TarTest.header(name: "g", typeflag: UInt8(ascii: "g"), size: Int64(many.count)) + TarTest.padded(many)
        noisy += TarTest.header(name: "z") + TarTest.endOfArchive
        #expect(try TarTest.read(noisy).map(\.entry.path) == ["z"])

        let limited = TarTest.readError(noisy, limits: .init(maximumMetadataSize: 500))
        guard case .limitExceeded = limited else {
            Issue.record("expected limitExceeded, got \(String(describing: limited))")
            return
        }

        // Global sparse markers reach the entries; global xattrs are refused.
        let sparse = Array("22 GNU.sparse.major=1\n".utf8)
        let sparseBytes = TarTest.header(name: "g", typeflag: UInt8(ascii: "g"), size: Int64(sparse.count)) + TarTest.padded(sparse)
            + TarTest.header(name: "s") + TarTest.endOfArchive
        Self.expectUnsupported(TarTest.readError(sparseBytes), entry: "s", "sparse")
        let xattr = TarPAXRecords.format(key: Array("SCHILY.xattr.user.a".utf8), value: [1])
        let xattrBytes = TarTest.header(name: "g", typeflag: UInt8(ascii: "g"), size: Int64(xattr.count)) + TarTest.padded(xattr)
            + TarTest.header(name: "s") + TarTest.endOfArchive
        Self.expectUnsupported(TarTest.readError(xattrBytes), entry: "pax global extended header at byte 0", "global header")
    }

    @Test func xattrRecords() throws {
        let records = TarPAXRecords.format(key: Array("SCHILY.xattr.user.bin".utf8), value: [0, 0x3D, 0x0A, 0xFF])
            + TarPAXRecords.format(key: Array("SCHILY.xattr.user.e".utf8), value: [])
        let bytes = TarTest.header(name: "PaxHeaders/x", typeflag: Self.x, size: Int64(records.count)) + TarTest.padded(records)
            + TarTest.header(name: "f") + TarTest.endOfArchive
        // An empty value deletes the keyword (pax Extended Header), so user.e is absent.
        #expect(try TarTest.read(bytes).first?.entry.xattrs == ["user.bin": [0, 0x3D, 0x0A, 0xFF]])
    }

    // MARK: Names

    /// Names are bytes: a path or link target that is not UTF-8 is read exactly; an extended attribute
    /// name that is not UTF-8 is refused, with its bytes escaped in the message.
    @Test func namesThatAreNotUTF8() throws {
        var bytes = TarTest.header(name: "f") + TarTest.endOfArchive
        bytes[1] = 0xFF
        TarTest.fixChecksum(&bytes, at: 0)
        #expect(try TarTest.read(bytes).map(\.entry.path) == [BytePath(bytes: [0x66, 0xFF])])

        var link = TarTest.header(name: "l", typeflag: UInt8(ascii: "2"), linkName: "t") + TarTest.endOfArchive
        link[158] = 0xC3
        TarTest.fixChecksum(&link, at: 0)
        #expect(try TarTest.read(link).map(\.entry.linkTarget) == [BytePath(bytes: [0x74, 0xC3])])

        let records = TarPAXRecords.format(key: Array("SCHILY.xattr.user.".utf8) + [0xFF], value: [1])
        let xattr = TarTest.header(name: "PaxHeaders/x", typeflag: UInt8(ascii: "x"), size: Int64(records.count))
            + TarTest.padded(records) + TarTest.header(name: "x") + TarTest.endOfArchive
        Self.expectUnsupported(TarTest.readError(xattr), entry: "x", "extended attribute name \"user.\\xff\" is not valid UTF-8")
    }

    @Test func emptyPath() throws {
        Self.expectCorrupt(TarTest.readError(TarTest.header(name: "") + TarTest.endOfArchive), offset: 0, "empty path")
    }

    @Test func entryCountLimit() throws {
        let bytes = try Self.sample()
        let error = TarTest.readError(bytes, limits: .init(maximumEntryCount: 1))
        guard case let .limitExceeded(what, limit) = error else {
            Issue.record("expected limitExceeded, got \(String(describing: error))")
            return
        }
        #expect(what.contains("number of tar entries") && limit == 1)
        #expect(try TarTest.read(bytes, limits: .init(maximumEntryCount: 2)).count == 2)
    }

    /// Random corruption of valid archives never crashes the reader: it reads or throws.
    @Test func mutationsNeverCrash() throws {
        let base = try TarTest.archive(TarRoundTripTests.members)
        var generator = TarSplitMix(seed: 0x5EED)
        var failures = 0
        for round in 0..<400 {
            var bytes = base
            let mutations = 1 + Int(generator.next() % 8)
            for _ in 0..<mutations {
                let index = Int(generator.next() % UInt64(bytes.count))
                bytes[index] = UInt8(truncatingIfNeeded: generator.next())
            }
            if round % 4 == 0 {
                for block in stride(from: 0, to: bytes.count, by: 512) where generator.next() % 3 == 0 {
                    TarTest.fixChecksum(&bytes, at: block)
                }
            }
            if round % 5 == 0 { bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count)))) }
            if TarTest.error({ () throws(ArchiveError) in _ = try TarTest.read(bytes, chunk: 1 + Int(generator.next() % 700)) }) != nil {
                failures += 1
            }
        }
        #expect(failures > 0)
    }
}
