import KleinSystem

/// Runs an upstream source (decompression, hashing) on a background thread a few chunks ahead of the
/// consumer, so that work overlaps with what the consumer does with the bytes (creating files).
package final class PrefetchingSource: ByteSource {
    private let readAhead: ReadAhead<ArchiveError>

    /// Reads `upstream` in chunks of `chunkSize` bytes, at most `slots` chunks ahead.
    package init(_ upstream: ByteSource, chunkSize: Int = 256 << 10, slots: Int = 4) {
        readAhead = ReadAhead(chunkSize: chunkSize, slots: slots) { (buffer) throws(ArchiveError) in try upstream.read(into: buffer) }
    }

    /// Returns 0 only once the upstream has ended and the background thread has stopped touching it.
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        try readAhead.read(into: buffer)
    }
}
