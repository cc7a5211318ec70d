import KleinOCI
import KleinSystem
#if canImport(Glibc)
import Glibc
#endif

/// Streams files through a `DigestHasher` in constant memory; a `ReadAhead` reads on another thread
/// while the caller hashes, so reading and hashing overlap on two cores.
public enum FileHashing {
    /// Buffers in flight between the reader and the hasher.
    static let ringSize = 3

    /// The digest and size of the file at `path` (`-` is standard input).
    public static func digest(ofFileAt path: String, algorithm: Digest.Algorithm = .sha256) throws(StoreError) -> (digest: Digest, size: Int64) {
        let file = try path == "-" ? POSIXFile.standardInput : StoreError.wrap { () throws(SystemError) in try POSIXFile.open(path, flags: O_RDONLY) }
        file.adviseSequential()
        return try digest(of: file, algorithm: algorithm)
    }

    /// The digest and size of a stored blob's actual content.
    public static func digest(of reader: BlobReader, algorithm: Digest.Algorithm) throws(StoreError) -> (digest: Digest, size: Int64) {
        try digest(of: reader.file, algorithm: algorithm)
    }

    /// A hasher that has consumed the whole file at `path`, to finalize or to continue with more bytes.
    package static func hasher(ofFileAt path: String, algorithm: Digest.Algorithm = .sha256) throws(StoreError) -> DigestHasher {
        let file = try StoreError.wrap { () throws(SystemError) in try POSIXFile.open(path, flags: O_RDONLY) }
        file.adviseSequential()
        return try hasher(of: file, algorithm: algorithm)
    }

    static func digest(of file: POSIXFile, algorithm: Digest.Algorithm) throws(StoreError) -> (digest: Digest, size: Int64) {
        let hasher = try hasher(of: file, algorithm: algorithm)
        return (hasher.finalize(), hasher.count)
    }

    private static func hasher(of file: POSIXFile, algorithm: Digest.Algorithm) throws(StoreError) -> DigestHasher {
        var hasher = DigestHasher(algorithm: algorithm)
        let readAhead = ReadAhead<SystemError>(chunkSize: BlobReader.chunkSize, slots: FileHashing.ringSize) { (buffer) throws(SystemError) in
            try file.readFully(into: buffer)
        }
        try StoreError.wrap { () throws(SystemError) in try readAhead.forEachChunk { chunk in hasher.update(chunk) } }
        return hasher
    }
}
