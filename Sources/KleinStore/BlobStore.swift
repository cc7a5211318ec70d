import KleinOCI
import KleinSystem
#if canImport(Glibc)
import Glibc
#endif

/// A content-addressed blob directory, `<root>/<algorithm>/<encoded>` (image-layout.md, "Blobs").
///
/// Blobs arrive only through `BlobWriter`, which hashes while writing to a scratch file and renames it
/// into place after verification, so a blob visible under its digest is always complete and correct.
public struct BlobStore: Sendable {
    /// The `blobs` directory.
    public let root: String
    /// Where partial ingests live; on the same file system as `root` so the final rename is atomic.
    public let scratch: String

    /// A store in `root`, ingesting through scratch files in `scratch`.
    package init(root: String, scratch: String) {
        self.root = root
        self.scratch = scratch
    }

    /// Where the blob with `digest` is (or would be) stored.
    public func path(for digest: Digest) -> String {
        "\(root)/\(digest.algorithm.rawValue)/\(digest.encoded)"
    }

    /// Whether the blob is stored (as a regular file; its content is not checked).
    public func exists(_ digest: Digest) -> Bool {
        (try? FileSystem.regularFileStatus(path(for: digest))) != nil
    }

    /// The stored size of a blob.
    public func size(of digest: Digest) throws(StoreError) -> Int64 {
        guard let info = try StoreError.wrap({ () throws(SystemError) in try FileSystem.regularFileStatus(path(for: digest)) }) else {
            throw .blobNotFound(digest: digest, store: root)
        }
        return Int64(info.st_size)
    }

    /// Opens a blob for streaming.
    public func open(_ digest: Digest) throws(StoreError) -> BlobReader {
        let blobPath = path(for: digest)
        do {
            return BlobReader(file: try POSIXFile.open(blobPath, flags: O_RDONLY | O_NOFOLLOW))
        } catch {
            if error.errno == ENOENT { throw .blobNotFound(digest: digest, store: root) }
            throw .system(error)
        }
    }

    /// Reads a small blob (a manifest or config) into memory, verifying its digest; refuses blobs over `limit` bytes.
    public func read(_ digest: Digest, limit: Int64 = 16 << 20) throws(StoreError) -> [UInt8] {
        let reader = try open(digest)
        let size = try reader.size()
        guard size <= limit else { throw .blobTooLarge(digest: digest, size: size, limit: limit) }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        let count = try bytes.withUnsafeMutableBytes { buffer in
            Result { () throws(SystemError) in try reader.file.readFully(into: buffer) }
        }.mapError(StoreError.system).get()
        let actual = Digest.of(bytes.prefix(count), algorithm: digest.algorithm)
        guard count == Int(size), actual == digest else {
            throw .verificationFailed(what: path(for: digest), error: .digestMismatch(expected: digest, actual: actual))
        }
        return bytes
    }

    /// Removes a blob; removing an absent blob is not an error.
    public func delete(_ digest: Digest) throws(StoreError) {
        try StoreError.wrap { () throws(SystemError) in try FileSystem.remove(path(for: digest)) }
    }

    /// Starts an ingest. With an expected digest (and size), `commit` fails unless the bytes match;
    /// without one, the blob is named by its SHA-256.
    public func writer(expecting digest: Digest? = nil, size: Int64? = nil) throws(StoreError) -> BlobWriter {
        try StoreError.wrap { () throws(SystemError) in try FileSystem.makeDirectories(scratch) }
        return try BlobWriter(store: self, expectedDigest: digest, expectedSize: size)
    }

    /// Publishes a file the caller has already verified as `digest` and synced: renames it into
    /// place (replacing an identical copy) and makes the rename durable. The file must be on the
    /// store's file system.
    package func adopt(fileAt path: String, as digest: Digest) throws(StoreError) {
        let directory = "\(root)/\(digest.algorithm.rawValue)"
        try StoreError.wrap { () throws(SystemError) in
            if !FileSystem.isDirectory(directory) {
                try FileSystem.makeDirectories(directory)
                try FileSystem.syncDirectory(root)
            }
            try FileSystem.rename(path, self.path(for: digest))
            try FileSystem.syncDirectory(directory)
        }
    }

    /// Ingests bytes held in memory.
    @discardableResult
    public func write(_ bytes: [UInt8], expecting digest: Digest? = nil) throws(StoreError) -> Digest {
        let writer = try writer(expecting: digest, size: digest == nil ? nil : Int64(bytes.count))
        try writer.write(bytes)
        return try writer.commit().digest
    }

    /// Ingests a file by streaming it; with `size`, a file of another size is refused like a wrong digest.
    @discardableResult
    public func write(contentsOf path: String, expecting digest: Digest? = nil, size: Int64? = nil) throws(StoreError) -> (digest: Digest, size: Int64) {
        let source = try StoreError.wrap { () throws(SystemError) in try POSIXFile.open(path, flags: O_RDONLY) }
        source.adviseSequential()
        let writer = try writer(expecting: digest, size: size)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: BlobReader.chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try StoreError.wrap { () throws(SystemError) in try source.read(into: buffer) }
            if count == 0 { break }
            try writer.write(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
        return try writer.commit()
    }

    /// Every blob stored under a supported algorithm, with files whose names are not valid digests.
    public func list() throws(StoreError) -> (blobs: [Digest], strays: [String]) {
        var blobs: [Digest] = []
        var strays: [String] = []
        for algorithm in try StoreError.wrap({ () throws(SystemError) in try FileSystem.list(root) }) {
            let directory = "\(root)/\(algorithm)"
            guard FileSystem.isDirectory(directory) else {
                strays.append(directory)
                continue
            }
            for name in try StoreError.wrap({ () throws(SystemError) in try FileSystem.list(directory) }) {
                if let digest = try? Digest("\(algorithm):\(name)") { blobs.append(digest) } else { strays.append("\(directory)/\(name)") }
            }
        }
        return (blobs, strays)
    }
}

/// A blob opened for reading.
public final class BlobReader {
    /// The read size used for streaming: large enough for full-speed hashing, small enough to stay cache-friendly.
    public static let chunkSize = 1 << 20
    let file: POSIXFile

    init(file: POSIXFile) {
        self.file = file
        file.adviseSequential()
    }

    /// The blob's size in bytes.
    public func size() throws(StoreError) -> Int64 { try StoreError.wrap { () throws(SystemError) in try file.size() } }

    /// Reads the next bytes into `buffer`; 0 means the end of the blob.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(StoreError) -> Int {
        do { return try file.read(into: buffer) } catch { throw .system(error) }
    }
}
