import KleinOCI
#if canImport(Glibc)
import Glibc
#endif

/// Streams files through a `DigestHasher` in fixed-size chunks: memory stays constant whatever the size.
public enum FileHashing {
    /// The digest and size of the file at `path` (`-` is standard input).
    public static func digest(ofFileAt path: String, algorithm: Digest.Algorithm = .sha256) throws(StoreError) -> (digest: Digest, size: Int64) {
        let file = path == "-" ? POSIXFile.standardInput : try POSIXFile.open(path, flags: O_RDONLY)
        file.adviseSequential()
        return try digest(of: file, algorithm: algorithm)
    }

    /// The digest and size of a stored blob's actual content.
    public static func digest(of reader: BlobReader, algorithm: Digest.Algorithm) throws(StoreError) -> (digest: Digest, size: Int64) {
        try digest(of: reader.file, algorithm: algorithm)
    }

    static func digest(of file: POSIXFile, algorithm: Digest.Algorithm) throws(StoreError) -> (digest: Digest, size: Int64) {
        var hasher = DigestHasher(algorithm: algorithm)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: BlobReader.chunkSize, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let count = try file.read(into: buffer)
            if count == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
        return (hasher.finalize(), hasher.count)
    }
}
