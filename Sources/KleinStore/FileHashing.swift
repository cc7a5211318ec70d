import Dispatch
import KleinOCI
#if canImport(Glibc)
import Glibc
#endif

/// Streams files through a `DigestHasher` in constant memory. A reader thread fills a small ring of
/// buffers while the caller hashes, so reading and hashing overlap on two cores.
public enum FileHashing {
    /// Buffers in flight between the reader and the hasher.
    static let ringSize = 3

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
        try ReadAhead.stream(file) { chunk in hasher.update(chunk) }
        return (hasher.finalize(), hasher.count)
    }
}

/// Reads a file on a background thread into a ring of buffers and hands each filled buffer, in order,
/// to a consumer on the calling thread. Two semaphores order every buffer access: a slot is written
/// by the reader only after the consumer released it, and read by the consumer only after the reader filled it.
enum ReadAhead {
    private final class Ring: @unchecked Sendable {
        let buffers: [UnsafeMutableRawBufferPointer]
        var counts: [Int]
        var failure: StoreError?
        let filled = DispatchSemaphore(value: 0)
        let free: DispatchSemaphore

        init(slots: Int, size: Int) {
            buffers = (0..<slots).map { _ in UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64) }
            counts = Array(repeating: 0, count: slots)
            // Start at zero and signal up: libdispatch traps when a semaphore is released below its initial value.
            free = DispatchSemaphore(value: 0)
            for _ in 0..<slots { free.signal() }
        }

        deinit { buffers.forEach { $0.deallocate() } }
    }

    private final class FileBox: @unchecked Sendable {
        let file: POSIXFile
        init(_ file: POSIXFile) { self.file = file }
    }

    static func stream(_ file: POSIXFile, _ consume: (UnsafeRawBufferPointer) -> Void) throws(StoreError) {
        let ring = Ring(slots: FileHashing.ringSize, size: BlobReader.chunkSize)
        let source = FileBox(file)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            var slot = 0
            while true {
                ring.free.wait()
                do throws(StoreError) {
                    ring.counts[slot] = try source.file.readFully(into: ring.buffers[slot])
                } catch {
                    ring.failure = error
                    ring.counts[slot] = 0
                }
                let finished = ring.counts[slot] == 0
                ring.filled.signal()
                if finished { break }
                slot = (slot + 1) % ring.buffers.count
            }
            done.signal()
        }
        var slot = 0
        while true {
            ring.filled.wait()
            let count = ring.counts[slot]
            if count == 0 { break }
            consume(UnsafeRawBufferPointer(rebasing: ring.buffers[slot][..<count]))
            ring.free.signal()
            slot = (slot + 1) % ring.buffers.count
        }
        done.wait()
        if let failure = ring.failure { throw failure }
    }
}
