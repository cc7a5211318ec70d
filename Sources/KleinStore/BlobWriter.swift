import KleinOCI
import KleinSystem
#if canImport(Glibc)
import Glibc
#endif

/// One ingest into a `BlobStore`: bytes are hashed as they are written to a scratch file;
/// `commit` verifies digest and size, fsyncs and renames the file into place. A writer that is
/// dropped without `commit` removes its scratch file, and a crash leaves only a scratch file.
public final class BlobWriter {
    private let store: BlobStore
    private let file: POSIXFile
    private let expectedDigest: Digest?
    private let expectedSize: Int64?
    private var hasher: DigestHasher
    private var finished = false

    init(store: BlobStore, expectedDigest: Digest?, expectedSize: Int64?) throws(StoreError) {
        self.store = store
        self.expectedDigest = expectedDigest
        self.expectedSize = expectedSize
        self.hasher = DigestHasher(algorithm: expectedDigest?.algorithm ?? .sha256)
        let path = "\(store.scratch)/\(FileSystem.randomName()).partial"
        self.file = try StoreError.wrap { () throws(SystemError) in try POSIXFile.open(path, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o644) }
    }

    deinit {
        if !finished { unlink(file.path) }
    }

    /// Bytes written so far.
    public var count: Int64 { hasher.count }

    /// Appends bytes. A failure abandons the ingest: its scratch file is removed at once.
    public func write(_ buffer: UnsafeRawBufferPointer) throws(StoreError) {
        guard !finished else { throw .system(SystemError(operation: "write to a finished ingest", path: file.path, errno: EBADF)) }
        do throws(StoreError) {
            hasher.update(buffer)
            if let expectedSize, hasher.count > expectedSize {
                throw StoreError.verificationFailed(what: describeTarget(), error: .sizeMismatch(expected: expectedSize, actual: hasher.count))
            }
            try StoreError.wrap { () throws(SystemError) in try file.writeAll(buffer) }
        } catch {
            finished = true
            unlink(file.path)
            throw error
        }
    }

    /// Appends `bytes`, hashing them on the way.
    public func write(_ bytes: [UInt8]) throws(StoreError) {
        try bytes.withUnsafeBytes { buffer in Result { () throws(StoreError) in try write(buffer) } }.get()
    }

    /// Verifies and publishes the blob; returns its digest and size. Publishing a blob that is
    /// already stored succeeds (both copies are the same bytes).
    @discardableResult
    public func commit() throws(StoreError) -> (digest: Digest, size: Int64) {
        defer {
            finished = true
            unlink(file.path)
        }
        let actual = hasher.finalize()
        if let expectedSize, hasher.count != expectedSize {
            throw .verificationFailed(what: describeTarget(), error: .sizeMismatch(expected: expectedSize, actual: hasher.count))
        }
        if let expectedDigest, actual != expectedDigest {
            throw .verificationFailed(what: describeTarget(), error: .digestMismatch(expected: expectedDigest, actual: actual))
        }
        let directory = "\(store.root)/\(actual.algorithm.rawValue)"
        try StoreError.wrap { () throws(SystemError) in
            try file.sync()
            try FileSystem.makeDirectories(directory)
            try FileSystem.rename(file.path, store.path(for: actual))
            try FileSystem.syncDirectory(directory)
        }
        return (actual, hasher.count)
    }

    private func describeTarget() -> String {
        "ingest of \(expectedDigest.map(\.description) ?? "a blob") into \(store.root)"
    }
}
