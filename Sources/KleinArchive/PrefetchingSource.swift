import Dispatch

/// Runs an upstream source (decompression, hashing) on a background thread, a few chunks ahead of the
/// consumer, so that work overlaps with what the consumer does with the bytes (creating files).
/// Memory is bounded by `slots × chunkSize`. Two semaphores order every buffer access: the producer fills
/// a slot only after the consumer released it, the consumer reads it only after the producer filled it.
public final class PrefetchingSource: ByteSource {
    private final class Ring: @unchecked Sendable {
        let buffers: [UnsafeMutableRawBufferPointer]
        var counts: [Int]
        var failure: ArchiveError?
        var cancelled = false
        let filled = DispatchSemaphore(value: 0)
        let free = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)

        init(slots: Int, chunkSize: Int) {
            buffers = (0..<slots).map { _ in .allocate(byteCount: chunkSize, alignment: 64) }
            counts = Array(repeating: 0, count: slots)
            // Signalled up from zero: libdispatch traps when a semaphore is released below its initial value.
            for _ in 0..<slots { free.signal() }
        }

        deinit { buffers.forEach { $0.deallocate() } }
    }

    private final class Upstream: @unchecked Sendable {
        let source: ByteSource
        init(_ source: ByteSource) { self.source = source }
    }

    private let ring: Ring
    private var slot = 0
    private var offset = 0
    private var holding = false
    private var finished = false

    public init(_ upstream: ByteSource, chunkSize: Int = 256 << 10, slots: Int = 4) {
        let ring = Ring(slots: slots, chunkSize: chunkSize)
        self.ring = ring
        let source = Upstream(upstream)
        DispatchQueue.global().async {
            var slot = 0
            while true {
                ring.free.wait()
                if ring.cancelled { break }
                do throws(ArchiveError) {
                    ring.counts[slot] = try source.source.read(into: ring.buffers[slot])
                } catch {
                    ring.failure = error
                    ring.counts[slot] = 0
                }
                let ended = ring.counts[slot] == 0
                ring.filled.signal()
                if ended { break }
                slot = (slot + 1) % ring.buffers.count
            }
            ring.done.signal()
        }
    }

    deinit {
        if !finished {
            ring.cancelled = true
            ring.free.signal()
            ring.done.wait()
        }
    }

    /// Returns 0 only once the upstream has ended and the background thread has stopped touching it.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        if finished {
            if let failure = ring.failure { throw failure }
            return 0
        }
        if !holding {
            ring.filled.wait()
            holding = true
            offset = 0
            if ring.counts[slot] == 0 {
                finished = true
                ring.done.wait()
                if let failure = ring.failure { throw failure }
                return 0
            }
        }
        let count = min(buffer.count, ring.counts[slot] - offset)
        buffer.baseAddress!.copyMemory(from: ring.buffers[slot].baseAddress! + offset, byteCount: count)
        offset += count
        if offset == ring.counts[slot] {
            holding = false
            ring.free.signal()
            slot = (slot + 1) % ring.buffers.count
        }
        return count
    }
}
