import KleinArchive
import KleinStore

/// Streams a layer into a blob store; `finish` verifies and publishes it.
public final class BlobSink: ByteSink {
    private let writer: BlobWriter

    public init(_ writer: BlobWriter) { self.writer = writer }

    public func write(_ buffer: UnsafeRawBufferPointer) throws(ArchiveError) {
        do { try writer.write(buffer) } catch { throw .destination(what: "the blob store", reason: "\(error)") }
    }

    public func finish() throws(ArchiveError) {
        do { _ = try writer.commit() } catch { throw .destination(what: "the blob store", reason: "\(error)") }
    }
}

/// Discards what it is given: a rebuild only needs the digests of what it regenerates.
final class DiscardingSink: ByteSink {
    func write(_ buffer: UnsafeRawBufferPointer) throws(ArchiveError) {}
    func finish() throws(ArchiveError) {}
}
