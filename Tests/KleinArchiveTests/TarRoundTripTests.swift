import KleinOCI
import Testing
@testable import KleinArchive

@Suite struct TarRoundTripTests {
    static let path200 = BytePath(String(repeating: "d", count: 60) + "/" + String(repeating: "e", count: 60) + "/"
        + String(repeating: "f", count: 79))
    static let component150 = BytePath("top/" + String(repeating: "g", count: 150))
    static let target150 = BytePath(String(repeating: "../t", count: 37) + "ar")

    /// Every kind and every field that needs a pax record or a split path.
    static let members: [TarTestMember] = [
        TarTestMember(TarEntry(path: "etc/passwd", kind: .regular, uid: 0, userName: "root", groupName: "root",
                               modificationTime: 1_700_000_000), Array("root:x:0:0::/root:/bin/sh\n".utf8)),
        TarTestMember(TarEntry(path: "usr/", kind: .directory, mode: 0o755)),
        TarTestMember(TarEntry(path: "usr/lib", kind: .directory, mode: 0o755)),
        TarTestMember(TarEntry(path: "tmp", kind: .directory, mode: 0o1777)),
        TarTestMember(TarEntry(path: "usr/bin/su", kind: .regular, mode: 0o4755, uid: 0, gid: 0), TarTest.bytes(count: 513, seed: 2)),
        TarTestMember(TarEntry(path: "usr/bin/wall", kind: .regular, mode: 0o2755, gid: 5), TarTest.bytes(count: 512, seed: 3)),
        TarTestMember(TarEntry(path: "empty", kind: .regular, mode: 0o600)),
        TarTestMember(TarEntry(path: "usr/bin/sh", kind: .symlink, mode: 0o777, linkTarget: "busybox")),
        TarTestMember(TarEntry(path: "usr/bin/ls", kind: .hardlink, linkTarget: "usr/bin/su")),
        TarTestMember(TarEntry(path: "dev/null", kind: .characterDevice, mode: 0o666, deviceMajor: 1, deviceMinor: 3)),
        TarTestMember(TarEntry(path: "dev/sda", kind: .blockDevice, mode: 0o660, deviceMajor: 8, deviceMinor: 0)),
        TarTestMember(TarEntry(path: "run/initctl", kind: .fifo, mode: 0o600)),
        // 200-byte path that splits into prefix/name; 155-byte component needs pax `path`.
        TarTestMember(TarEntry(path: path200, kind: .regular), Array("split".utf8)),
        TarTestMember(TarEntry(path: component150, kind: .regular), Array("pax path".utf8)),
        TarTestMember(TarEntry(path: BytePath(String(repeating: "p", count: 100)), kind: .regular), Array("exactly 100".utf8)),
        TarTestMember(TarEntry(path: BytePath(String(repeating: "q", count: 155) + "/" + String(repeating: "r", count: 100)), kind: .directory,
                               mode: 0o755)),
        TarTestMember(TarEntry(path: "long/link", kind: .symlink, linkTarget: target150)),
        TarTestMember(TarEntry(path: "big/uid", kind: .regular, uid: 3_000_000_000, gid: 2_097_152), Array("ids".utf8)),
        TarTestMember(TarEntry(path: "big/ids-at-limit", kind: .regular, uid: 2_097_151, gid: 2_097_151)),
        TarTestMember(TarEntry(path: "time/negative", kind: .regular, modificationTime: -86_400)),
        TarTestMember(TarEntry(path: "time/far", kind: .regular, modificationTime: 1 << 40)),
        TarTestMember(TarEntry(path: "time/at-limit", kind: .regular, modificationTime: 0o77777777777)),
        TarTestMember(TarEntry(path: "names/long", kind: .regular, userName: String(repeating: "u", count: 33),
                               groupName: String(repeating: "g", count: 32))),
        TarTestMember(TarEntry(path: "dev/huge", kind: .blockDevice, deviceMajor: 1 << 30, deviceMinor: 0o7777777)),
        TarTestMember(TarEntry(path: "xattr/file", kind: .regular,
                               xattrs: ["user.comment": Array("a=b\nc\u{0}d".utf8) + [0xff, 0x00],
                                        "security.capability": [1, 0, 0, 2, 0x20, 0, 0, 0]]), Array("x".utf8)),
        TarTestMember(TarEntry(path: "unicode/café/naïve ✓.txt", kind: .regular, userName: "jürgen"), Array("ü".utf8)),
        TarTestMember(TarEntry(path: BytePath(String(repeating: "é", count: 60)), kind: .regular), Array("multibyte needs pax".utf8)),
        TarTestMember(TarEntry(path: "./usr/share/", kind: .directory, mode: 0o755)),
    ]

    @Test(arguments: [Int.max, 1, 7, 511, 513])
    func roundTripEveryKind(chunk: Int) throws {
        let bytes = try TarTest.archive(Self.members)
        #expect(bytes.count % 512 == 0)
        let read = try TarTest.read(bytes, chunk: chunk)
        #expect(read.count == Self.members.count)
        for (written, back) in zip(Self.members, read) {
            #expect(back.entry == written.entry)
            #expect(back.contents == written.contents)
        }
    }

    @Test(arguments: TarRoundTripTests.members)
    func roundTripAlone(member: TarTestMember) throws {
        let read = try TarTest.read(try TarTest.archive([member]))
        #expect(read.count == 1)
        #expect(read.first?.entry == member.entry)
        #expect(read.first?.contents == member.contents)
    }

    /// Only values that do not fit USTAR produce a pax header; its records are sorted.
    @Test func paxHeaderOnlyWhenNeeded() throws {
        let plain = try TarTest.archive([TarTestMember(TarEntry(path: "a/b", kind: .regular, modificationTime: 5), [1, 2, 3])])
        #expect(plain.count == 512 + 512 + 1024)
        #expect(plain[156] == UInt8(ascii: "0"))
        #expect(Array(plain[257..<265]) == Array("ustar\u{0}00".utf8))

        let split = try TarTest.archive([TarTestMember(TarEntry(path: Self.path200, kind: .regular))])
        #expect(split[156] == UInt8(ascii: "0"))
        #expect(split.count == 512 + 1024)

        let needsPAX = TarEntry(path: "p", kind: .regular, uid: 3_000_000_000, modificationTime: -1,
                                xattrs: ["user.b": [1], "user.a": [2]])
        let bytes = try TarTest.archive([TarTestMember(needsPAX)])
        #expect(bytes[156] == UInt8(ascii: "x"))
        #expect(Array(bytes[0..<13]) == Array("PaxHeaders/p\u{0}".utf8))
        let size = bytes.withUnsafeBytes { TarField.number($0, TarLayout.size) }!
        let records = String(decoding: bytes[512..<(512 + Int(size))], as: UTF8.self)
        #expect(records == "25 SCHILY.xattr.user.a=\u{2}\n25 SCHILY.xattr.user.b=\u{1}\n12 mtime=-1\n18 uid=3000000000\n")
        // The entry's own header: uid field 0 (carried by pax), mtime clamped to 0.
        #expect(bytes[1024 + 156] == UInt8(ascii: "0"))
        #expect(Array(bytes[(1024 + 108)..<(1024 + 116)]) == Array("0000000\u{0}".utf8))
        #expect(Array(bytes[(1024 + 136)..<(1024 + 148)]) == Array("00000000000\u{0}".utf8))
    }

    /// Record lengths include their own digits, also where adding a digit changes the count.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 990, 991, 992, 993, 994, 995, 996, 997, 998, 999, 1000])
    func paxRecordLength(valueLength: Int) throws {
        let record = TarPAXRecords.format(key: Array("k".utf8), value: [UInt8](repeating: 0x61, count: valueLength))
        let space = record.firstIndex(of: 0x20)!
        #expect(Int(String(decoding: record[..<space], as: UTF8.self)) == record.count)
        let parsed = try TarPAXRecords.parse(record, offset: 0)
        #expect(parsed[Array("k".utf8)]?.count == valueLength)
    }

    @Test func headerFieldsMatchGNUAndGo() throws {
        let bytes = try TarTest.archive([TarTestMember(TarEntry(path: "f", kind: .regular, mode: 0o4755, uid: 1000, gid: 100,
                                                                userName: "u", groupName: "g", modificationTime: 1_700_000_000), [7])])
        #expect(Array(bytes[100..<108]) == Array("0004755\u{0}".utf8))
        #expect(Array(bytes[108..<116]) == Array("0001750\u{0}".utf8))
        #expect(Array(bytes[124..<136]) == Array("00000000001\u{0}".utf8))
        #expect(Array(bytes[136..<148]) == Array("14524770400\u{0}".utf8))
        #expect(bytes[154] == 0 && bytes[155] == 0x20)
        let sums = bytes.withUnsafeBytes { TarField.checksums(UnsafeRawBufferPointer(rebasing: $0[0..<512])) }
        #expect(String(decoding: bytes[148..<154], as: UTF8.self) == leftPadded(String(sums.unsigned, radix: 8), to: 6))
    }

    /// A declared 9 GiB entry: the header says so (pax `size`), the writer streams every byte, and
    /// the reader skips them all; nothing is held in memory.
    @Test func nineGiBEntry() throws {
        let size: Int64 = 9 << 30
        let sink = TarCountingSink(keep: 4096)
        let writer = TarWriter(sink: sink)
        try writer.append(TarEntry(path: "huge.bin", kind: .regular, size: size), contents: TarZeroSource(count: size))
        try writer.finish()
        #expect(sink.finished)
        #expect(sink.count == 512 + 512 + 512 + size + 1024)
        #expect(sink.head[156] == UInt8(ascii: "x"))
        #expect(String(decoding: sink.head[512..<531], as: UTF8.self) == "19 size=9663676416\n")

        let headers = Array(sink.head[..<1536])
        let entry = try TarReader(source: MemorySource(headers)).next()
        #expect(entry == TarEntry(path: "huge.bin", kind: .regular, size: size))

        let reader = TarReader(source: TarGeneratedSource(prefix: headers, zeros: size, suffix: TarTest.endOfArchive))
        #expect(try reader.next()?.size == size)
        #expect(reader.headerOffset == 1024)
        #expect(try reader.next() == nil)
    }

    @Test func sameEntriesGiveSameBytes() throws {
        let first = try TarTest.archive(Self.members)
        let second = try TarTest.archive(Self.members)
        #expect(first == second)
        // Dictionary order of xattrs must not matter.
        var shuffled = Self.members
        let index = shuffled.firstIndex { !$0.entry.xattrs.isEmpty }!
        var reordered: [String: [UInt8]] = [:]
        for (key, value) in Self.members[index].entry.xattrs.reversed() { reordered[key] = value }
        shuffled[index].entry.xattrs = reordered
        #expect(try TarTest.archive(shuffled) == first)
    }

    /// Golden digest of a small archive; it changes only if the bytes Klein writes change.
    @Test func goldenDigest() throws {
        let members = [
            TarTestMember(TarEntry(path: "etc/", kind: .directory, mode: 0o755, modificationTime: 1_700_000_000)),
            TarTestMember(TarEntry(path: "etc/hostname", kind: .regular, userName: "root", groupName: "root",
                                   modificationTime: 1_700_000_000), Array("klein\n".utf8)),
            TarTestMember(TarEntry(path: "bin/sh", kind: .symlink, mode: 0o777, modificationTime: 1_700_000_000, linkTarget: "busybox")),
            TarTestMember(TarEntry(path: "big", kind: .regular, uid: 3_000_000_000, modificationTime: -1,
                                   xattrs: ["user.k": [0, 1, 2], "user.a": [9], "trusted.z": Array("zz".utf8)]), [1, 2, 3]),
        ]
        let bytes = try TarTest.archive(members)
        #expect(bytes.count == 8 * 512 + 1024)
        #expect(Digest.of(bytes).description == Self.goldenDigest)
    }

    static let goldenDigest = "sha256:715de93da81377ea5804c1f37fc1df58d6b6ad3997df0af2954205ab2d99d0ed"

    @Test func writerRejectsInvalidEntries() throws {
        let cases: [(TarEntry, ByteSource?, String)] = [
            (TarEntry(path: "", kind: .regular), nil, "empty"),
            (TarEntry(path: "a\u{0}b", kind: .regular), nil, "NUL"),
            (TarEntry(path: "l", kind: .symlink, linkTarget: "x\u{0}"), nil, "NUL"),
            (TarEntry(path: "n", kind: .regular, size: -1), nil, "negative size"),
            (TarEntry(path: "m", kind: .regular, mode: 0o10000), nil, "mode"),
            (TarEntry(path: "u", kind: .regular, uid: -1), nil, "negative uid"),
            (TarEntry(path: "g", kind: .regular, gid: -5), nil, "negative uid or gid"),
            (TarEntry(path: "d", kind: .directory, size: 3), MemorySource([1, 2, 3]), "only regular files"),
            (TarEntry(path: "c", kind: .regular, size: 3), nil, "no contents"),
            (TarEntry(path: "s", kind: .symlink), nil, "needs a target"),
            (TarEntry(path: "r", kind: .regular, linkTarget: "x"), nil, "not a link"),
            (TarEntry(path: "r", kind: .regular, deviceMajor: 1), nil, "not a device"),
            (TarEntry(path: "x", kind: .regular, xattrs: ["a=b": [1]]), nil, "extended attribute"),
            (TarEntry(path: "x", kind: .regular, xattrs: ["": [1]]), nil, "extended attribute"),
            (TarEntry(path: "x", kind: .regular, xattrs: ["user.empty": []]), nil, "empty value"),
        ]
        for (entry, contents, reason) in cases {
            let sink = MemorySink()
            let writer = TarWriter(sink: sink)
            let error = TarTest.error { () throws(ArchiveError) in try writer.append(entry, contents: contents) }
            guard case let .invalidEntry(name, message) = error else {
                Issue.record("expected invalidEntry for \(entry.path), got \(String(describing: error))")
                continue
            }
            #expect(name == entry.path.description)
            #expect(message.contains(reason), "\(message)")
            #expect(sink.bytes.isEmpty)
            // Validation failures leave the writer usable.
            try writer.append(TarEntry(path: "ok", kind: .regular), contents: nil)
            try writer.finish()
            #expect(sink.bytes.count == 512 + 1024)
        }
    }

    @Test(arguments: [(10, 9), (10, 11), (0, 1), (600, 599), (600, 2000)])
    func writerChecksContentLength(declared: Int64, actual: Int) throws {
        let sink = MemorySink()
        let writer = TarWriter(sink: sink)
        let source = TarChunkedSource(TarTest.bytes(count: actual, seed: 9), chunk: 100)
        let error = TarTest.error { () throws(ArchiveError) in
            try writer.append(TarEntry(path: "f", kind: .regular, size: declared), contents: source)
        }
        guard case let .invalidEntry(name, reason) = error else {
            Issue.record("expected invalidEntry, got \(String(describing: error))")
            return
        }
        #expect(name == "f")
        #expect(reason.contains(actual < declared ? "ended after" : "longer than"))
        // The stream is now broken: later calls fail the same way.
        #expect(TarTest.error { () throws(ArchiveError) in try writer.finish() } != nil)
    }

    @Test func writerStreamsInLargeChunks() throws {
        final class Recorder: ByteSink {
            var sizes: [Int] = []
            func write(_ buffer: UnsafeRawBufferPointer) throws(ArchiveError) { sizes.append(buffer.count) }
            func finish() throws(ArchiveError) {}
        }
        let sink = Recorder()
        let writer = TarWriter(sink: sink)
        let size: Int64 = 1 << 20
        try writer.append(TarEntry(path: "f", kind: .regular, size: size), contents: TarZeroSource(count: size))
        #expect(sink.sizes == [512, 262_144, 262_144, 262_144, 262_144])
    }
}

private func leftPadded(_ string: String, to width: Int) -> String {
    String(repeating: "0", count: max(0, width - string.count)) + string
}
