/// Writes a deterministic tar stream: the same entries and contents always give the same bytes.
///
/// Every entry gets a POSIX USTAR header (`ustar\0`, version `00`; POSIX.1-2017 `pax`, "ustar
/// Interchange Format"). A pax extended header (typeflag `x`, "pax Extended Header") precedes it
/// only when a value does not fit USTAR: a path that cannot be split into `prefix`/`name`, a link
/// target over 100 bytes, a size over 11 octal digits, a uid/gid over 7, an mtime that is negative
/// or over 11 digits, user/group names over 32 bytes, device numbers over 7 digits
/// (`SCHILY.devmajor`/`SCHILY.devminor`), or any extended attribute (`SCHILY.xattr.<name>`).
/// Records are sorted by keyword bytes; no `atime`/`ctime` or fractional times are ever written.
///
/// Paths and link targets are written byte for byte. One that is not UTF-8 goes into the USTAR
/// fields when it fits, else into a pax record of raw bytes without `hdrcharset`, which is what GNU
/// tar writes and reads back exactly (GNU tar warns about a `hdrcharset` keyword it does not know).
///
/// Not thread-safe: use from one task at a time.
public final class TarWriter {
    private let sink: ByteSink
    private let header: UnsafeMutableRawBufferPointer
    private let zeros: UnsafeMutableRawBufferPointer
    private var contentBuffer: UnsafeMutableRawBufferPointer?
    private var failure: ArchiveError?
    private var finished = false

    /// Size of the reused buffer contents are streamed through.
    static let chunkSize = 256 * 1024
    static let maximumOctal7 = TarLayout.maximumOctal(width: 8)
    static let maximumOctal11 = TarLayout.maximumOctal(width: 12)

    /// A writer of a tar stream into `sink`.
    public init(sink: ByteSink) {
        self.sink = sink
        header = .allocate(byteCount: TarLayout.blockSize, alignment: 16)
        zeros = .allocate(byteCount: 2 * TarLayout.blockSize, alignment: 16)
        zeros.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit {
        header.deallocate()
        zeros.deallocate()
        contentBuffer?.deallocate()
    }

    /// Writes a header, then exactly `entry.size` bytes from `contents` (required for .regular with size > 0), then padding.
    ///
    /// `contents`, when given, must end right after `entry.size` bytes; it is read once more to
    /// check. An entry rejected before anything is written (`.invalidEntry` from validation) leaves
    /// the writer usable; a failure after its header was written (contents too short or too long,
    /// a sink error) makes every later call throw the same error.
    public func append(_ entry: TarEntry, contents: ByteSource?) throws(ArchiveError) {
        if let failure { throw failure }
        guard !finished else { throw .invalidEntry(name: entry.path.description, reason: "the archive is already finished") }
        let plan = try Self.plan(entry, hasContents: contents != nil)
        do throws(ArchiveError) {
            if !plan.records.isEmpty { try writeExtendedHeader(plan, entry: entry) }
            try writeHeader(plan.fields)
            try copyContents(of: entry, from: contents)
        } catch {
            failure = error
            throw error
        }
    }

    /// Writes the two zero blocks and calls `sink.finish()`.
    ///
    /// Calling it again does nothing.
    public func finish() throws(ArchiveError) {
        if let failure { throw failure }
        guard !finished else { return }
        finished = true
        do throws(ArchiveError) {
            try sink.write(UnsafeRawBufferPointer(zeros))
            try sink.finish()
        } catch {
            failure = error
            throw error
        }
    }

    // MARK: - Planning

    /// The USTAR field values of one header.
    struct Fields {
        var name: ArraySlice<UInt8> = []
        var prefix: ArraySlice<UInt8> = []
        var mode: Int64 = 0
        var uid: Int64 = 0
        var gid: Int64 = 0
        var size: Int64 = 0
        var modificationTime: Int64 = 0
        var typeflag: UInt8 = TarTypeflag.regular
        var linkName: ArraySlice<UInt8> = []
        var userName: ArraySlice<UInt8> = []
        var groupName: ArraySlice<UInt8> = []
        var deviceMajor: Int64 = 0
        var deviceMinor: Int64 = 0
    }

    struct Plan {
        var fields = Fields()
        var records: [(key: [UInt8], value: [UInt8])] = []
    }

    /// Validates `entry` and decides every header field and pax record.
    static func plan(_ entry: TarEntry, hasContents: Bool) throws(ArchiveError) -> Plan {
        func invalid(_ reason: String) -> ArchiveError { .invalidEntry(name: entry.path.description, reason: reason) }
        let path = entry.path.bytes
        let link = entry.linkTarget.bytes
        let userName = Array(entry.userName.utf8)
        let groupName = Array(entry.groupName.utf8)

        guard !path.isEmpty else { throw invalid("the path is empty") }
        guard !path.contains(0) else { throw invalid("the path contains a NUL byte") }
        guard !link.contains(0) else { throw invalid("the link target contains a NUL byte") }
        guard !userName.contains(0), !groupName.contains(0) else { throw invalid("the user or group name contains a NUL byte") }
        guard entry.size >= 0 else { throw invalid("negative size \(entry.size)") }
        guard entry.kind == .regular || entry.size == 0 else {
            throw invalid("only regular files have contents, but size is \(entry.size)")
        }
        guard entry.kind != .regular || entry.size == 0 || hasContents else {
            throw invalid("no contents given for \(entry.size) bytes")
        }
        guard entry.mode <= 0o7777 else {
            throw invalid("mode 0o\(String(entry.mode, radix: 8)) has bits beyond 0o7777")
        }
        guard entry.uid >= 0, entry.gid >= 0 else { throw invalid("negative uid or gid (\(entry.uid), \(entry.gid))") }
        guard entry.deviceMajor >= 0, entry.deviceMinor >= 0 else { throw invalid("negative device number") }
        let isDevice = entry.kind == .characterDevice || entry.kind == .blockDevice
        guard isDevice || (entry.deviceMajor == 0 && entry.deviceMinor == 0) else {
            throw invalid("device numbers are set on an entry that is not a device")
        }
        let isLink = entry.kind == .symlink || entry.kind == .hardlink
        if isLink {
            guard !link.isEmpty else { throw invalid("a link needs a target") }
        } else {
            guard link.isEmpty else { throw invalid("a link target is set on an entry that is not a link") }
        }

        var plan = Plan()
        var fields = Fields()
        var records: [(key: [UInt8], value: [UInt8])] = []

        // Path: `name` alone, or `prefix` + "/" + `name` (ustar Interchange Format), or pax `path`.
        if path.count <= TarLayout.name.count {
            fields.name = path[...]
        } else if let split = Self.splitUSTARPath(path) {
            fields.prefix = path[..<split]
            fields.name = path[(split + 1)...]
        } else {
            records.append((TarPAXKey.path, path))
            // A best-effort name for readers without pax support; like Go's archive/tar, a
            // non-directory never gets a trailing slash there (some readers take it for a
            // directory).
            var name = TarField.truncatedUTF8(path, limit: TarLayout.name.count)
            while entry.kind != .directory && name.count > 1 && name.last == UInt8(ascii: "/") { name = name.dropLast() }
            fields.name = name
        }

        if link.count <= TarLayout.linkName.count {
            fields.linkName = link[...]
        } else {
            records.append((TarPAXKey.linkPath, link))
            fields.linkName = TarField.truncatedUTF8(link, limit: TarLayout.linkName.count)
        }

        fields.mode = Int64(entry.mode)
        fields.typeflag = TarTypeflag.of(entry.kind)

        func number(_ value: Int64, maximum: Int64, key: [UInt8]) -> Int64 {
            guard value > maximum else { return value }
            records.append((key, TarField.decimal(value)))
            return 0
        }
        fields.uid = number(entry.uid, maximum: maximumOctal7, key: TarPAXKey.uid)
        fields.gid = number(entry.gid, maximum: maximumOctal7, key: TarPAXKey.gid)
        fields.size = number(entry.size, maximum: maximumOctal11, key: TarPAXKey.size)
        fields.deviceMajor = number(entry.deviceMajor, maximum: maximumOctal7, key: TarPAXKey.deviceMajor)
        fields.deviceMinor = number(entry.deviceMinor, maximum: maximumOctal7, key: TarPAXKey.deviceMinor)

        fields.modificationTime = clampedTime(entry.modificationTime)
        if fields.modificationTime != entry.modificationTime {
            records.append((TarPAXKey.modificationTime, Array(String(entry.modificationTime).utf8)))
        }

        if userName.count <= TarLayout.userName.count {
            fields.userName = userName[...]
        } else {
            records.append((TarPAXKey.userName, userName))
        }
        if groupName.count <= TarLayout.groupName.count {
            fields.groupName = groupName[...]
        } else {
            records.append((TarPAXKey.groupName, groupName))
        }

        for (name, value) in entry.xattrs {
            let nameBytes = Array(name.utf8)
            guard !nameBytes.isEmpty, !nameBytes.contains(0), !nameBytes.contains(UInt8(ascii: "=")) else {
                throw invalid("extended attribute name \"\(name)\" is empty or contains NUL or '='")
            }
            // pax Extended Header: an empty value deletes the keyword, so readers (Go's
            // archive/tar, Klein) would drop the attribute instead of restoring it.
            guard !value.isEmpty else {
                throw invalid("extended attribute \"\(name)\" has an empty value, which pax cannot carry (an empty record deletes the keyword)")
            }
            records.append((TarPAXKey.xattrPrefix + nameBytes, value))
        }

        records.sort { $0.key.lexicographicallyPrecedes($1.key) }
        plan.fields = fields
        plan.records = records
        return plan
    }

    /// An mtime clamped to the 11 octal digits of the USTAR field.
    static func clampedTime(_ time: Int64) -> Int64 { min(max(time, 0), maximumOctal11) }

    /// Where to split a path over 100 bytes into `prefix` (≤ 155 bytes) and `name` (1…100 bytes)
    /// at a `/`, preferring the longest prefix; nil when no slash works.
    static func splitUSTARPath(_ path: [UInt8]) -> Int? {
        let slash = UInt8(ascii: "/")
        var index = min(path.count - 2, TarLayout.prefix.count)
        while index > 0 {
            if path[index] == slash {
                let nameLength = path.count - index - 1
                if nameLength > TarLayout.name.count { return nil }
                return index
            }
            index -= 1
        }
        return nil
    }

    // MARK: - Writing

    private func writeExtendedHeader(_ plan: Plan, entry: TarEntry) throws(ArchiveError) {
        var data: [UInt8] = []
        for record in plan.records { data += TarPAXRecords.format(key: record.key, value: record.value) }
        guard Int64(data.count) <= Self.maximumOctal11 else {
            throw .invalidEntry(name: entry.path.description, reason: "pax extended header of \(data.count) bytes is too large")
        }
        var fields = Fields()
        fields.name = Self.extendedHeaderName(for: entry.path)
        fields.mode = 0o644
        fields.size = Int64(data.count)
        fields.modificationTime = Self.clampedTime(entry.modificationTime)
        fields.typeflag = TarTypeflag.paxExtended
        try writeHeader(fields)
        try data.withUnsafeBytes { buffer in
            Result { () throws(ArchiveError) in try sink.write(buffer) }
        }.get()
        try writePadding(after: Int64(data.count))
    }

    /// `PaxHeaders/<last path component>`, cut to the 100-byte `name` field at a UTF-8 boundary.
    static func extendedHeaderName(for path: BytePath) -> ArraySlice<UInt8> {
        var bytes = path.bytes
        while bytes.count > 1 && bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        if let slash = bytes.lastIndex(of: UInt8(ascii: "/")) { bytes = Array(bytes[(slash + 1)...]) }
        if bytes.isEmpty || bytes == [UInt8(ascii: "/")] { bytes = Array("entry".utf8) }
        return TarField.truncatedUTF8(Array("PaxHeaders/".utf8) + bytes, limit: TarLayout.name.count)
    }

    private func writeHeader(_ fields: Fields) throws(ArchiveError) {
        let block = header
        block.initializeMemory(as: UInt8.self, repeating: 0)
        TarField.putBytes(fields.name, block, TarLayout.name)
        TarField.putOctal(fields.mode, block, TarLayout.mode)
        TarField.putOctal(fields.uid, block, TarLayout.uid)
        TarField.putOctal(fields.gid, block, TarLayout.gid)
        TarField.putOctal(fields.size, block, TarLayout.size)
        TarField.putOctal(fields.modificationTime, block, TarLayout.modificationTime)
        block[TarLayout.typeflag] = fields.typeflag
        TarField.putBytes(fields.linkName, block, TarLayout.linkName)
        TarField.putBytes(TarLayout.ustarMagic, block, TarLayout.magic)
        TarField.putBytes(TarLayout.ustarVersion, block, TarLayout.version)
        TarField.putBytes(fields.userName, block, TarLayout.userName)
        TarField.putBytes(fields.groupName, block, TarLayout.groupName)
        TarField.putOctal(fields.deviceMajor, block, TarLayout.deviceMajor)
        TarField.putOctal(fields.deviceMinor, block, TarLayout.deviceMinor)
        TarField.putBytes(fields.prefix, block, TarLayout.prefix)
        TarField.putChecksum(block)
        try sink.write(UnsafeRawBufferPointer(block))
    }

    private func writePadding(after size: Int64) throws(ArchiveError) {
        let count = Int(TarLayout.padding(size))
        guard count > 0 else { return }
        try sink.write(UnsafeRawBufferPointer(rebasing: zeros[..<count]))
    }

    private func buffer() -> UnsafeMutableRawBufferPointer {
        if let contentBuffer { return contentBuffer }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkSize, alignment: 16)
        contentBuffer = buffer
        return buffer
    }

    private func copyContents(of entry: TarEntry, from contents: ByteSource?) throws(ArchiveError) {
        guard let contents else { return }
        let buffer = buffer()
        var remaining = entry.size
        while remaining > 0 {
            let wanted = Int(min(Int64(buffer.count), remaining))
            let count = try contents.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<wanted]))
            guard count > 0 else {
                throw .invalidEntry(
                    name: entry.path.description,
                    reason: "contents ended after \(entry.size - remaining) of the declared \(entry.size) bytes"
                )
            }
            guard count <= wanted else {
                throw .invalidEntry(name: entry.path.description, reason: "the contents source returned more bytes than asked for")
            }
            try sink.write(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            remaining -= Int64(count)
        }
        let extra = try contents.read(into: buffer)
        guard extra == 0 else {
            throw .invalidEntry(name: entry.path.description, reason: "contents are longer than the declared \(entry.size) bytes")
        }
        try writePadding(after: entry.size)
    }
}
