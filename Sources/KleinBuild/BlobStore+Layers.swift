import KleinArchive
import KleinStore
import KleinSystem

extension BlobStore {
    /// Stores a layer `write` streams into the sink it is given: the bytes go to a synced file in the
    /// store's scratch directory and are published under the digest `write` computed while streaming
    /// them (`LayerWriter.Result.digest`), so each byte is hashed once, not again by an ingest.
    package func storeLayer(_ write: (ByteSink) throws -> LayerWriter.Result) throws -> LayerWriter.Result {
        try StoreError.wrap { () throws(SystemError) in try FileSystem.makeDirectories(scratch) }
        let path = "\(scratch)/\(FileSystem.randomName()).layer"
        do {
            let result = try write(try FileSink(path: path, mode: 0o644, exclusive: true, syncOnFinish: true))
            try adopt(fileAt: path, as: result.digest)
            return result
        } catch {
            try? FileSystem.remove(path)
            throw error
        }
    }
}

/// Discards what it is given: a rebuild only needs the digests of what it regenerates.
final class DiscardingSink: ByteSink {
    func write(_ buffer: UnsafeRawBufferPointer) throws(ArchiveError) {}
    func finish() throws(ArchiveError) {}
}
