import KleinArchive
import KleinStore
#if canImport(Glibc)
import Glibc
#endif

/// A blob opened through its `BlobStore`, read as the unpacker's byte source: layers are unpacked
/// from the store through its API (which refuses a symlinked blob), never from a path beside it.
final class StoredBlob: ByteSource {
    private let reader: BlobReader

    init(_ reader: BlobReader) { self.reader = reader }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        do { return try reader.read(into: buffer) } catch {
            // A read fails only in the system call (StoreError.system); anything else is an I/O error too.
            if case let .system(underlying) = error { throw .system(underlying) }
            throw .io(path: "\(error)", operation: "read the stored blob", errno: EIO)
        }
    }
}
