#if canImport(Glibc)
import Glibc
#endif

extension FileSystem {
    /// The bytes of the file at `path`, at most `limit` of them: a caller that refuses longer files asks
    /// for one byte more than it allows and checks the count. Read to the file's end, not to its
    /// reported size, so files under `/proc` (which report none) are read whole too.
    package static func readFile(_ path: String, limit: Int64 = .max) throws(SystemError) -> [UInt8] {
        let file = try POSIXFile.open(path, flags: O_RDONLY)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(min(try file.size(), limit)))
        var chunk = [UInt8](repeating: 0, count: Int(min(limit, 64 << 10)))
        while Int64(bytes.count) < limit {
            let wanted = Int(min(Int64(chunk.count), limit - Int64(bytes.count)))
            let count = try chunk.withUnsafeMutableBytes { raw in
                Result { () throws(SystemError) in try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[..<wanted])) }
            }.get()
            if count == 0 { break }
            bytes += chunk[..<count]
        }
        return bytes
    }
}
