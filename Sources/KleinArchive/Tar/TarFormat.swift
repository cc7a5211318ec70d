/// Byte layout of a 512-byte tar header block (POSIX.1-2017 `pax`, "ustar Interchange Format";
/// GNU tar manual, "Basic Tar Format"; the old GNU header shares every field up to `gname`,
/// `devmajor` and `devminor`, but keeps access/change times where USTAR has `prefix`).
enum TarLayout {
    static let blockSize = 512
    static let name = 0..<100
    static let mode = 100..<108
    static let uid = 108..<116
    static let gid = 116..<124
    static let size = 124..<136
    static let modificationTime = 136..<148
    static let checksum = 148..<156
    static let typeflag = 156
    static let linkName = 157..<257
    static let magic = 257..<263
    static let version = 263..<265
    static let userName = 265..<297
    static let groupName = 297..<329
    static let deviceMajor = 329..<337
    static let deviceMinor = 337..<345
    static let prefix = 345..<500
    /// Schily `star` headers: a shorter prefix, then atime/ctime, then the `tar\0` trailer.
    static let starPrefix = 345..<476
    static let starTrailer = 508..<512

    static let ustarMagic: [UInt8] = Array("ustar\u{0}".utf8)
    static let ustarVersion: [UInt8] = Array("00".utf8)
    static let gnuMagic: [UInt8] = Array("ustar ".utf8)
    static let gnuVersion: [UInt8] = [0x20, 0]
    static let starTrailerBytes: [UInt8] = Array("tar\u{0}".utf8)

    /// Largest value an octal field of `width` bytes holds with its terminating NUL.
    static func maximumOctal(width: Int) -> Int64 { (Int64(1) << (3 * Int64(width - 1))) - 1 }

    /// Bytes of padding after `size` bytes of data, up to the next block boundary.
    static func padding(_ size: Int64) -> Int64 { (-size) & Int64(blockSize - 1) }
}

/// Typeflag bytes (ustar Interchange Format; pax Header Block; GNU tar manual, "GNU extensions").
enum TarTypeflag {
    static let regular = UInt8(ascii: "0")
    static let oldRegular: UInt8 = 0
    static let hardlink = UInt8(ascii: "1")
    static let symlink = UInt8(ascii: "2")
    static let characterDevice = UInt8(ascii: "3")
    static let blockDevice = UInt8(ascii: "4")
    static let directory = UInt8(ascii: "5")
    static let fifo = UInt8(ascii: "6")
    static let contiguous = UInt8(ascii: "7")
    static let paxExtended = UInt8(ascii: "x")
    static let paxGlobal = UInt8(ascii: "g")
    static let gnuLongName = UInt8(ascii: "L")
    static let gnuLongLink = UInt8(ascii: "K")
    static let gnuSparse = UInt8(ascii: "S")

    static func of(_ kind: TarEntry.Kind) -> UInt8 {
        switch kind {
        case .regular: return regular
        case .hardlink: return hardlink
        case .symlink: return symlink
        case .characterDevice: return characterDevice
        case .blockDevice: return blockDevice
        case .directory: return directory
        case .fifo: return fifo
        }
    }

    /// How a typeflag byte reads in messages: `'x'` or `0x1b`.
    static func describe(_ flag: UInt8) -> String {
        flag >= 0x21 && flag < 0x7f ? "'\(Character(Unicode.Scalar(flag)))'" : "0x" + String(flag, radix: 16)
    }
}

/// pax record keywords Klein reads or writes (pax Extended Header; `SCHILY.*` as written by star
/// and GNU tar; `GNU.sparse.*` from the GNU tar manual, "Storing Sparse Files").
enum TarPAXKey {
    static let path: [UInt8] = Array("path".utf8)
    static let linkPath: [UInt8] = Array("linkpath".utf8)
    static let size: [UInt8] = Array("size".utf8)
    static let uid: [UInt8] = Array("uid".utf8)
    static let gid: [UInt8] = Array("gid".utf8)
    static let userName: [UInt8] = Array("uname".utf8)
    static let groupName: [UInt8] = Array("gname".utf8)
    static let modificationTime: [UInt8] = Array("mtime".utf8)
    static let deviceMajor: [UInt8] = Array("SCHILY.devmajor".utf8)
    static let deviceMinor: [UInt8] = Array("SCHILY.devminor".utf8)
    static let xattrPrefix: [UInt8] = Array("SCHILY.xattr.".utf8)
    static let sparsePrefix: [UInt8] = Array("GNU.sparse.".utf8)
}

/// Encoding and decoding of header fields.
enum TarField {
    /// Bytes of `field` up to the first NUL (or all of them): a C string that may fill its field.
    static func string(_ block: UnsafeRawBufferPointer, _ range: Range<Int>) -> [UInt8] {
        var end = range.lowerBound
        while end < range.upperBound && block[end] != 0 { end += 1 }
        return Array(block[range.lowerBound..<end])
    }

    /// Parses a numeric field: base-256 when the high bit of the first byte is set (a GNU and
    /// star extension, two's complement, so possibly negative), octal otherwise, where leading
    /// and trailing spaces and NULs are ignored (as Go's `archive/tar` `parseNumeric` and GNU tar
    /// accept). Returns nil when the field is malformed or overflows `Int64`.
    static func number(_ block: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int64? {
        let first = block[range.lowerBound]
        if first & 0x80 != 0 {
            let inversion: UInt8 = first & 0x40 != 0 ? 0xff : 0
            var value: UInt64 = 0
            for index in range {
                var byte = block[index] ^ inversion
                if index == range.lowerBound { byte &= 0x7f }
                guard value >> 56 == 0 else { return nil }
                value = value << 8 | UInt64(byte)
            }
            guard value >> 63 == 0 else { return nil }
            return inversion == 0 ? Int64(value) : ~Int64(value)
        }
        return octal(block, range)
    }

    /// Parses an octal field with optional leading/trailing spaces and NULs.
    static func octal(_ block: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int64? {
        var start = range.lowerBound
        var end = range.upperBound
        while start < end && (block[start] == 0x20 || block[start] == 0) { start += 1 }
        while end > start && (block[end - 1] == 0x20 || block[end - 1] == 0) { end -= 1 }
        var value: Int64 = 0
        for index in start..<end {
            let byte = block[index]
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "7") else { return nil }
            guard value <= (Int64.max >> 3) else { return nil }
            value = value << 3 | Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// Writes `value` as zero-padded octal digits filling all but the last byte, then a NUL
    /// (the form GNU tar and Go write). The caller guarantees `0 <= value <= maximumOctal`.
    static func putOctal(_ value: Int64, _ block: UnsafeMutableRawBufferPointer, _ range: Range<Int>) {
        var remaining = UInt64(value)
        var index = range.upperBound - 2
        while index >= range.lowerBound {
            block[index] = UInt8(ascii: "0") + UInt8(remaining & 7)
            remaining >>= 3
            index -= 1
        }
        block[range.upperBound - 1] = 0
    }

    /// Copies `bytes` (at most `range.count`) to the start of a zeroed field.
    static func putBytes(_ bytes: some Collection<UInt8>, _ block: UnsafeMutableRawBufferPointer, _ range: Range<Int>) {
        var index = range.lowerBound
        for byte in bytes.prefix(range.count) {
            block[index] = byte
            index += 1
        }
    }

    /// The unsigned and signed sums of the block with the checksum field taken as eight spaces
    /// (ustar Interchange Format, `chksum`; the signed sum is what historic Sun tar computed).
    static func checksums(_ block: UnsafeRawBufferPointer) -> (unsigned: Int64, signed: Int64) {
        var unsigned: Int64 = 0
        var signed: Int64 = 0
        for index in 0..<TarLayout.blockSize {
            let byte = TarLayout.checksum.contains(index) ? 0x20 : block[index]
            unsigned += Int64(byte)
            signed += Int64(Int8(bitPattern: byte))
        }
        return (unsigned, signed)
    }

    /// Stores the checksum as six octal digits, a NUL and a space, as GNU tar and Go write it.
    static func putChecksum(_ block: UnsafeMutableRawBufferPointer) {
        let sum = checksums(UnsafeRawBufferPointer(block)).unsigned
        putOctal(sum, block, TarLayout.checksum.lowerBound..<(TarLayout.checksum.lowerBound + 7))
        block[TarLayout.checksum.upperBound - 1] = 0x20
    }

    /// The longest prefix of `bytes` of at most `limit` bytes that does not split a UTF-8 sequence.
    static func truncatedUTF8(_ bytes: [UInt8], limit: Int) -> ArraySlice<UInt8> {
        guard bytes.count > limit else { return bytes[...] }
        var end = limit
        while end > 0 && bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return bytes[..<end]
    }

    /// Whether `bytes` starts with `prefix`.
    static func hasPrefix(_ bytes: [UInt8], _ prefix: [UInt8]) -> Bool {
        bytes.count >= prefix.count && bytes[..<prefix.count].elementsEqual(prefix)
    }

    /// Decimal digits of a non-negative number.
    static func decimal(_ value: Int64) -> [UInt8] { Array(String(value).utf8) }

    /// Parses an optionally negative decimal integer (pax `uid`, `gid`, `size`, …).
    static func parseDecimal(_ bytes: ArraySlice<UInt8>) -> Int64? {
        var digits = bytes
        var negative = false
        if digits.first == UInt8(ascii: "-") {
            negative = true
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else { return nil }
        var value: Int64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflow1 && !overflow2 else { return nil }
            value = sum
        }
        return negative ? -value : value
    }

    /// Parses a pax time, `[-]seconds[.fraction]`, keeping the integer seconds (the part before
    /// the point, so `-1.5` gives `-1`); the fraction must be digits.
    static func parsePAXTime(_ bytes: [UInt8]) -> Int64? {
        guard let point = bytes.firstIndex(of: UInt8(ascii: ".")) else { return parseDecimal(bytes[...]) }
        let fraction = bytes[(point + 1)...]
        guard fraction.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return parseDecimal(bytes[..<point])
    }
}

/// pax extended header records: `"%d %s=%s\n"`, the length counting the whole record including
/// its own digits (pax Extended Header).
enum TarPAXRecords {
    /// One record with its self-inclusive length.
    static func format(key: [UInt8], value: [UInt8]) -> [UInt8] {
        let rest = key.count + value.count + 3 // space, '=', newline
        var length = rest + 1
        while rest + digitCount(length) != length { length = rest + digitCount(length) }
        var record: [UInt8] = []
        record.reserveCapacity(length)
        record += Array(String(length).utf8)
        record.append(0x20)
        record += key
        record.append(UInt8(ascii: "="))
        record += value
        record.append(0x0A)
        return record
    }

    private static func digitCount(_ value: Int) -> Int {
        var count = 1
        var rest = value / 10
        while rest > 0 {
            count += 1
            rest /= 10
        }
        return count
    }

    /// Parses a whole extended header; later records with the same key win. `offset` is the
    /// stream offset of `data`, for errors. Keys with NUL, and `path`/`linkpath`/`uname`/`gname`
    /// values with NUL, are rejected as Go's `archive/tar` `validPAXRecord` does.
    static func parse(_ data: [UInt8], offset: Int64) throws(ArchiveError) -> [[UInt8]: [UInt8]] {
        var records: [[UInt8]: [UInt8]] = [:]
        var start = 0
        while start < data.count {
            func corrupt(_ reason: String) -> ArchiveError {
                .corruptTar(offset: offset + Int64(start), reason: "malformed pax extended header record: \(reason)")
            }
            var cursor = start
            var length = 0
            while cursor < data.count && data[cursor] != 0x20 {
                let byte = data[cursor]
                guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else {
                    throw corrupt("the length is not a decimal number")
                }
                length = length * 10 + Int(byte - UInt8(ascii: "0"))
                guard length <= data.count - start else {
                    throw corrupt("the length runs past the end of the extended header (\(data.count - start) bytes left)")
                }
                cursor += 1
            }
            guard cursor < data.count, cursor > start else { throw corrupt("missing length") }
            let bodyStart = cursor + 1
            guard start + length >= bodyStart + 3 else { throw corrupt("the length \(length) is too short for a record") }
            let end = start + length
            guard data[end - 1] == 0x0A else { throw corrupt("no newline where the length \(length) says the record ends") }
            let body = data[bodyStart..<(end - 1)]
            guard let equals = body.firstIndex(of: UInt8(ascii: "=")) else { throw corrupt("missing '='") }
            let key = Array(body[..<equals])
            let value = Array(body[(equals + 1)...])
            guard !key.isEmpty else { throw corrupt("empty keyword") }
            guard !key.contains(0) else { throw corrupt("keyword contains NUL") }
            if key == TarPAXKey.path || key == TarPAXKey.linkPath || key == TarPAXKey.userName || key == TarPAXKey.groupName,
               value.contains(0)
            {
                throw corrupt("\(String(decoding: key, as: UTF8.self)) contains NUL")
            }
            records[key] = value
            start = end
        }
        return records
    }
}

