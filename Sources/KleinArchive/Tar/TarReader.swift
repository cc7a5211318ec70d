/// Reads a tar stream entry by entry without buffering contents. The input is treated as hostile.
///
/// Accepted: POSIX USTAR ("ustar Interchange Format") and pax (typeflag `x` per entry and `g`
/// global extended headers, "pax Extended Header"), GNU long names and link names (`L`, `K`),
/// old GNU and V7 headers, base-256 numeric fields (GNU/star), and octal fields padded with
/// spaces or NULs. Rejected: sparse files, unknown typeflags, bad checksums, malformed or
/// oversized extended headers, extended attribute names that are not UTF-8.
///
/// Paths and link targets are kept byte for byte, UTF-8 or not, as GNU tar, Go's `archive/tar`,
/// umoci and containerd keep them: GNU tar writes a name that is not UTF-8 as raw bytes in a pax
/// `path` record, without `hdrcharset`. A `hdrcharset` record changes nothing (values are always
/// taken as raw bytes).
///
/// Not thread-safe: use from one task at a time. After any error, every call throws that error.
public final class TarReader {
    /// Bounds on what a hostile stream can make the reader hold or do.
    public struct Limits: Sendable {
        /// Largest pax extended header (`x` or `g`) or GNU long name/link record, in bytes.
        public var maximumMetadataSize: Int64 = 1 << 20
        /// Most entries (not counting extended headers) `next()` returns.
        public var maximumEntryCount: Int = 10_000_000

        /// Limits with the given bounds; the defaults suit any real layer.
        public init(maximumMetadataSize: Int64 = 1 << 20, maximumEntryCount: Int = 10_000_000) {
            self.maximumMetadataSize = maximumMetadataSize
            self.maximumEntryCount = maximumEntryCount
        }
    }

    private let source: ByteSource
    private let limits: Limits
    private let block: UnsafeMutableRawBufferPointer
    private var scratch: UnsafeMutableRawBufferPointer?
    /// Bytes consumed from `source`.
    private var position: Int64 = 0
    private var sourceEnded = false
    /// Unread content bytes of the current entry, then its padding.
    private var remaining: Int64 = 0
    private var padding: Int64 = 0
    private var currentPath: BytePath = ""
    private var globalRecords: [[UInt8]: [UInt8]] = [:]
    private var entryCount = 0
    private var ended = false
    private var failure: ArchiveError?

    /// Byte offset of the current header in the stream (for error messages).
    ///
    /// This is the entry's own USTAR header, after any pax or GNU long-name headers before it.
    public private(set) var headerOffset: Int64 = 0

    /// A reader of the tar stream `source`, within `limits`.
    public init(source: ByteSource, limits: Limits = .init()) {
        self.source = source
        self.limits = limits
        block = .allocate(byteCount: TarLayout.blockSize, alignment: 16)
        block.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit {
        block.deallocate()
        scratch?.deallocate()
    }

    /// The next entry's header, or nil at the end of the archive. Unread contents of the previous entry are skipped.
    ///
    /// The archive ends at two zero blocks, or where the stream ends at a header boundary or
    /// after a single zero block (as GNU tar accepts). Data after the end marker is not read.
    public func next() throws(ArchiveError) -> TarEntry? {
        if let failure { throw failure }
        if ended { return nil }
        do throws(ArchiveError) {
            let entry = try readEntry()
            if entry == nil {
                ended = true
                remaining = 0
            }
            return entry
        } catch {
            failure = error
            throw error
        }
    }

    /// Reads the current entry's contents; 0 at the end of the entry.
    ///
    /// Reads straight into `buffer` (which must not be empty), at most up to the entry's end.
    public func readContents(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        if let failure { throw failure }
        guard remaining > 0, buffer.count > 0 else { return 0 }
        let wanted = Int(min(Int64(buffer.count), remaining))
        do throws(ArchiveError) {
            let count = try sourceRead(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<wanted]))
            guard count > 0 else {
                throw .corruptTar(
                    offset: position,
                    reason: "truncated: the stream ends \(remaining) bytes before the end of the contents of \"\(currentPath)\""
                )
            }
            remaining -= Int64(count)
            return count
        } catch {
            failure = error
            throw error
        }
    }

    // MARK: - Stream access

    private func sourceRead(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        guard !sourceEnded else { return 0 }
        let count = try source.read(into: buffer)
        guard count >= 0, count <= buffer.count else {
            throw .corruptTar(offset: position, reason: "the byte source returned \(count) bytes for a \(buffer.count)-byte read")
        }
        if count == 0 { sourceEnded = true }
        position += Int64(count)
        return count
    }

    /// Fills `buffer` unless the stream ends first; returns how much was read.
    private func fill(_ buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        var filled = 0
        while filled < buffer.count {
            let count = try sourceRead(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            if count == 0 { break }
            filled += count
        }
        return filled
    }

    private func scratchBuffer() -> UnsafeMutableRawBufferPointer {
        if let scratch { return scratch }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 128 * 1024, alignment: 16)
        scratch = buffer
        return buffer
    }

    /// Discards up to `count` bytes; returns how many were there before the stream ended.
    private func skip(_ count: Int64) throws(ArchiveError) -> Int64 {
        guard count > 0 else { return 0 }
        let buffer = scratchBuffer()
        var skipped: Int64 = 0
        while skipped < count {
            let wanted = Int(min(Int64(buffer.count), count - skipped))
            let read = try sourceRead(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<wanted]))
            if read == 0 { break }
            skipped += Int64(read)
        }
        return skipped
    }

    /// Skips what is left of the current entry. The end of the stream inside the contents is an
    /// error; inside the padding it is not (Go's `archive/tar` `skipUnread` agrees), and the next
    /// header read then sees the end.
    private func skipRestOfEntry() throws(ArchiveError) {
        if remaining > 0 {
            let wanted = remaining
            let skipped = try skip(wanted)
            remaining = 0
            guard skipped == wanted else {
                throw .corruptTar(
                    offset: position,
                    reason: "truncated: the stream ends \(wanted - skipped) bytes before the end of the contents of \"\(currentPath)\""
                )
            }
        }
        _ = try skip(padding)
        padding = 0
    }

    /// Reads the data of an extended header or long-name record of `size` bytes, and its padding.
    private func readMetadata(size: Int64, what: String, headerStart: Int64) throws(ArchiveError) -> [UInt8] {
        guard size >= 0 else {
            throw .corruptTar(offset: headerStart, reason: "\(what) has a negative size \(size)")
        }
        guard size <= limits.maximumMetadataSize else {
            throw .limitExceeded(what: "\(what) at byte \(headerStart) (\(size) bytes)", limit: limits.maximumMetadataSize)
        }
        var data: [UInt8] = []
        data.reserveCapacity(Int(size))
        let buffer = scratchBuffer()
        while data.count < Int(size) {
            let wanted = min(buffer.count, Int(size) - data.count)
            let count = try sourceRead(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<wanted]))
            guard count > 0 else {
                throw .corruptTar(
                    offset: position,
                    reason: "truncated: the stream ends \(Int(size) - data.count) bytes before the end of a \(what)"
                )
            }
            data.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
        _ = try skip(TarLayout.padding(size))
        return data
    }

    // MARK: - Headers

    private enum Format { case v7, ustar, star, gnu }

    private func isZeroBlock() -> Bool {
        var accumulated: UInt64 = 0
        for offset in stride(from: 0, to: TarLayout.blockSize, by: 8) {
            accumulated |= block.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        }
        return accumulated == 0
    }

    /// Reads the next header block; nil at the end of the archive.
    private func readHeaderBlock(afterMetadata: Bool) throws(ArchiveError) -> Int64? {
        let start = position
        let count = try fill(block)
        func endOfArchive() throws(ArchiveError) -> Int64? {
            guard !afterMetadata else {
                throw .corruptTar(
                    offset: start,
                    reason: "the archive ends after a pax extended or GNU long-name header, without the entry it describes"
                )
            }
            return nil
        }
        if count == 0 { return try endOfArchive() }
        guard count == TarLayout.blockSize else {
            throw .corruptTar(offset: start, reason: "truncated header: the stream ends after \(count) of 512 bytes")
        }
        guard isZeroBlock() else { return start }
        let second = try fill(block)
        if second == 0 { return try endOfArchive() }
        guard second == TarLayout.blockSize else {
            throw .corruptTar(offset: start + 512, reason: "truncated: the stream ends after \(second) bytes of the second end-of-archive block")
        }
        guard isZeroBlock() else {
            throw .corruptTar(offset: start, reason: "a zero block is followed by a non-zero block")
        }
        return try endOfArchive()
    }

    private func readEntry() throws(ArchiveError) -> TarEntry? {
        try skipRestOfEntry()

        var localRecords: [[UInt8]: [UInt8]] = [:]
        var longName: [UInt8]?
        var longLink: [UInt8]?
        var afterMetadata = false

        while true {
            guard let start = try readHeaderBlock(afterMetadata: afterMetadata) else { return nil }
            let header = UnsafeRawBufferPointer(block)
            func corrupt(_ reason: String) -> ArchiveError { .corruptTar(offset: start, reason: reason) }

            // Checksum (ustar Interchange Format, chksum); Go's archive/tar also accepts the
            // signed sum historic Sun tar wrote.
            guard let stored = TarField.octal(header, TarLayout.checksum) else {
                throw corrupt("the header checksum field is not an octal number")
            }
            let sums = TarField.checksums(header)
            guard stored == sums.unsigned || stored == sums.signed else {
                throw corrupt("header checksum mismatch: stored \(stored), computed \(sums.unsigned)")
            }

            let typeflag = header[TarLayout.typeflag]
            guard let size = TarField.number(header, TarLayout.size) else { throw corrupt("the size field is malformed") }

            switch typeflag {
            case TarTypeflag.paxExtended:
                let data = try readMetadata(size: size, what: "pax extended header", headerStart: start)
                localRecords = try TarPAXRecords.parse(data, offset: start + 512)
                afterMetadata = true
                continue
            case TarTypeflag.paxGlobal:
                let data = try readMetadata(size: size, what: "pax global extended header", headerStart: start)
                try applyGlobal(try TarPAXRecords.parse(data, offset: start + 512), headerStart: start)
                continue
            case TarTypeflag.gnuLongName, TarTypeflag.gnuLongLink:
                let isName = typeflag == TarTypeflag.gnuLongName
                let data = try readMetadata(size: size, what: isName ? "GNU long name" : "GNU long link name", headerStart: start)
                let value = Array(data.prefix { $0 != 0 })
                if isName { longName = value } else { longLink = value }
                afterMetadata = true
                continue
            default:
                break
            }

            headerOffset = start
            let entry = try decodeEntry(
                header: header, start: start, typeflag: typeflag, size: size,
                localRecords: localRecords, longName: longName, longLink: longLink
            )
            entryCount += 1
            guard entryCount <= limits.maximumEntryCount else {
                throw .limitExceeded(what: "number of tar entries (\(entryCount))", limit: Int64(limits.maximumEntryCount))
            }
            currentPath = entry.path
            remaining = entry.size
            padding = TarLayout.padding(entry.size)
            return entry
        }
    }

    /// Keywords a global header may set for every later entry.
    private static let globalKeys: Set<[UInt8]> = [
        TarPAXKey.path, TarPAXKey.linkPath, TarPAXKey.size, TarPAXKey.uid, TarPAXKey.gid, TarPAXKey.userName,
        TarPAXKey.groupName, TarPAXKey.modificationTime, TarPAXKey.deviceMajor, TarPAXKey.deviceMinor,
    ]

    /// Merges a global (`g`) header into the values later entries start from (pax Extended
    /// Header: later globals override earlier ones, an empty value deletes). Only the keywords
    /// that mean something per entry are kept, so the work per entry stays bounded however many
    /// records a hostile stream sends; `GNU.sparse.*` is kept as one marker. Extended attributes
    /// in a global header are refused rather than copied onto every entry.
    private func applyGlobal(_ records: [[UInt8]: [UInt8]], headerStart: Int64) throws(ArchiveError) {
        for (key, value) in records {
            let kept: [UInt8]
            if Self.globalKeys.contains(key) {
                kept = key
            } else if TarField.hasPrefix(key, TarPAXKey.sparsePrefix) {
                kept = TarPAXKey.sparsePrefix
            } else if TarField.hasPrefix(key, TarPAXKey.xattrPrefix) {
                throw .unsupportedTar(
                    entry: "pax global extended header at byte \(headerStart)",
                    reason: "extended attributes in a global header (applying to every later entry) are not supported"
                )
            } else {
                continue
            }
            globalRecords[kept] = value.isEmpty ? nil : value
        }
    }

    private func format(of header: UnsafeRawBufferPointer) -> Format {
        let magic = header[TarLayout.magic]
        if magic.elementsEqual(TarLayout.ustarMagic) {
            return header[TarLayout.starTrailer].elementsEqual(TarLayout.starTrailerBytes) ? .star : .ustar
        }
        if magic.elementsEqual(TarLayout.gnuMagic) && header[TarLayout.version].elementsEqual(TarLayout.gnuVersion) {
            return .gnu
        }
        return .v7
    }

    private func decodeEntry(
        header: UnsafeRawBufferPointer,
        start: Int64,
        typeflag: UInt8,
        size headerSize: Int64,
        localRecords: [[UInt8]: [UInt8]],
        longName: [UInt8]?,
        longLink: [UInt8]?
    ) throws(ArchiveError) -> TarEntry {
        func corrupt(_ reason: String) -> ArchiveError { .corruptTar(offset: start, reason: reason) }
        func number(_ range: Range<Int>, _ field: String) throws(ArchiveError) -> Int64 {
            guard let value = TarField.number(header, range) else { throw corrupt("the \(field) field is malformed") }
            return value
        }

        let format = format(of: header)
        var path = TarField.string(header, TarLayout.name)
        switch format {
        case .ustar:
            let prefix = TarField.string(header, TarLayout.prefix)
            if !prefix.isEmpty { path = prefix + [UInt8(ascii: "/")] + path }
        case .star:
            let prefix = TarField.string(header, TarLayout.starPrefix)
            if !prefix.isEmpty { path = prefix + [UInt8(ascii: "/")] + path }
        case .v7, .gnu:
            break
        }
        var link = TarField.string(header, TarLayout.linkName)
        var mode = try number(TarLayout.mode, "mode")
        var uid = try number(TarLayout.uid, "uid")
        var gid = try number(TarLayout.gid, "gid")
        var size = headerSize
        var modificationTime = try number(TarLayout.modificationTime, "mtime")
        var userName: [UInt8] = []
        var groupName: [UInt8] = []
        var deviceMajor: Int64 = 0
        var deviceMinor: Int64 = 0
        let isDevice = typeflag == TarTypeflag.characterDevice || typeflag == TarTypeflag.blockDevice
        if format != .v7 {
            userName = TarField.string(header, TarLayout.userName)
            groupName = TarField.string(header, TarLayout.groupName)
            // Like Go's archive/tar, device fields are read for devices only: other writers
            // leave unrelated bytes there.
            if isDevice {
                deviceMajor = try number(TarLayout.deviceMajor, "devmajor")
                deviceMinor = try number(TarLayout.deviceMinor, "devminor")
            }
        }
        mode &= 0o7777

        // pax records: global values, overridden per entry; an empty value removes the keyword
        // (pax Extended Header).
        var records = globalRecords
        for (key, value) in localRecords {
            if value.isEmpty { records[key] = nil } else { records[key] = value }
        }
        var xattrs: [[UInt8]: [UInt8]] = [:]
        var sparse = false
        for (key, value) in records {
            func decimal() throws(ArchiveError) -> Int64 {
                guard let number = TarField.parseDecimal(value[...]) else {
                    throw corrupt("pax record \(String(decoding: key, as: UTF8.self)) is not a decimal number")
                }
                return number
            }
            switch key {
            case TarPAXKey.path: path = value
            case TarPAXKey.linkPath: link = value
            case TarPAXKey.userName: userName = value
            case TarPAXKey.groupName: groupName = value
            case TarPAXKey.uid: uid = try decimal()
            case TarPAXKey.gid: gid = try decimal()
            case TarPAXKey.size: size = try decimal()
            case TarPAXKey.deviceMajor: if isDevice { deviceMajor = try decimal() }
            case TarPAXKey.deviceMinor: if isDevice { deviceMinor = try decimal() }
            case TarPAXKey.modificationTime:
                guard let seconds = TarField.parsePAXTime(value) else { throw corrupt("pax record mtime is not a time") }
                modificationTime = seconds
            default:
                if TarField.hasPrefix(key, TarPAXKey.xattrPrefix) {
                    xattrs[Array(key[TarPAXKey.xattrPrefix.count...])] = value
                } else if TarField.hasPrefix(key, TarPAXKey.sparsePrefix) {
                    sparse = true
                }
            }
        }
        if let longName, !longName.isEmpty { path = longName }
        if let longLink, !longLink.isEmpty { link = longLink }

        let entryPath = BytePath(bytes: path)
        func unsupported(_ reason: String) -> ArchiveError { .unsupportedTar(entry: entryPath.description, reason: reason) }

        let kind: TarEntry.Kind
        switch typeflag {
        case TarTypeflag.regular, TarTypeflag.contiguous: kind = .regular
        case TarTypeflag.oldRegular:
            // V7 and old archives mark directories by a trailing slash only (Go's archive/tar
            // and GNU tar both read them so).
            kind = path.last == UInt8(ascii: "/") ? .directory : .regular
        case TarTypeflag.hardlink: kind = .hardlink
        case TarTypeflag.symlink: kind = .symlink
        case TarTypeflag.characterDevice: kind = .characterDevice
        case TarTypeflag.blockDevice: kind = .blockDevice
        case TarTypeflag.directory: kind = .directory
        case TarTypeflag.fifo: kind = .fifo
        case TarTypeflag.gnuSparse:
            throw unsupported("GNU sparse file (typeflag 'S'): sparse files are not supported in layers")
        default:
            throw unsupported("typeflag \(TarTypeflag.describe(typeflag)) is not supported")
        }
        if sparse {
            throw unsupported("GNU.sparse pax records mark a sparse file: sparse files are not supported in layers")
        }

        guard size >= 0 else { throw corrupt("entry \"\(entryPath)\" has a negative size \(size)") }
        // Types 1-6 have no data blocks (pax, ustar Interchange Format, "size"); Go's
        // archive/tar ignores their size field the same way.
        if kind != .regular { size = 0 }
        guard size <= Int64.max - position - 1024 else { throw corrupt("entry \"\(entryPath)\" has an impossible size \(size)") }

        guard !path.isEmpty else { throw corrupt("an entry has an empty path") }
        var xattrStrings: [String: [UInt8]] = [:]
        for (name, value) in xattrs {
            guard let nameString = String(validating: name, as: UTF8.self) else {
                throw unsupported("extended attribute name \"\(BytePath(bytes: name))\" is not valid UTF-8")
            }
            xattrStrings[nameString] = value
        }

        return TarEntry(
            path: entryPath,
            kind: kind,
            mode: UInt32(truncatingIfNeeded: mode),
            size: size,
            uid: uid,
            gid: gid,
            userName: String(decoding: userName, as: UTF8.self),
            groupName: String(decoding: groupName, as: UTF8.self),
            modificationTime: modificationTime,
            linkTarget: BytePath(bytes: link),
            deviceMajor: deviceMajor,
            deviceMinor: deviceMinor,
            xattrs: xattrStrings
        )
    }
}
