#if canImport(Glibc)
import Glibc
#endif

extension FileSystem {
    /// The bytes of the file at `path`, at most `limit` of them: a caller that refuses longer files asks
    /// for one byte more than it allows and checks the count.
    package static func readFile(_ path: String, limit: Int64 = .max) throws(SystemError) -> [UInt8] {
        let file = try POSIXFile.open(path, flags: O_RDONLY)
        let size = min(try file.size(), limit)
        var buffer = [UInt8](repeating: 0, count: Int(size))
        let count = try buffer.withUnsafeMutableBytes { raw in
            Result { () throws(SystemError) in try file.readFully(into: raw) }
        }.get()
        return Array(buffer[..<count])
    }
}
