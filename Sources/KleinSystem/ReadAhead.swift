import Dispatch

/// Runs a reading function on a background thread a few chunks ahead of the consumer, so producing
/// bytes (disk reads, decompression, hashing) overlaps with consuming them (hashing, creating files).
/// Memory is bounded by `slots × chunkSize`. Two semaphores order every buffer access: the producer
/// fills a slot only after the consumer released it; the consumer reads it only after it was filled.
/// Dropping a `ReadAhead` before the end stops the producer and waits for it.
package final class ReadAhead<Failure: Error> {
    /// Fills a buffer and returns the byte count; 0 means the end.
    package typealias Producer = (UnsafeMutableRawBufferPointer) throws(Failure) -> Int

    /// What the producer thread shares with the consumer, the producer included; the thread holds only this, never the `ReadAhead`.
    private final class Ring: ChunkRing, @unchecked Sendable {
        let produce: Producer
        var failure: Failure?
        var cancelled = false

        init(slots: Int, chunkSize: Int, produce: @escaping Producer) {
            self.produce = produce
            super.init(slots: slots, chunkSize: chunkSize)
        }

        func run() {
            var slot = 0
            while true {
                free.wait()
                if cancelled { break }
                do throws(Failure) {
                    counts[slot] = try produce(buffers[slot])
                } catch {
                    failure = error
                    counts[slot] = 0
                }
                let ended = counts[slot] == 0
                filled.signal()
                if ended { break }
                slot = self.slot(after: slot)
            }
            done.signal()
        }
    }

    private let ring: Ring
    private var slot = 0
    private var offset = 0
    private var holding = false
    private var finished = false

    /// Starts producing. `produce` runs only on the background thread, until the end or until dropped.
    package init(chunkSize: Int = 256 << 10, slots: Int = 4, produce: @escaping Producer) {
        let ring = Ring(slots: slots, chunkSize: chunkSize, produce: produce)
        self.ring = ring
        detachBackgroundThread { ring.run() }
    }

    deinit {
        guard !finished else { return }
        ring.cancelled = true
        ring.free.signal()
        ring.done.wait()
    }

    /// Waits for the next filled slot; false at the end (the producer has then stopped).
    private func nextSlot() -> Bool {
        ring.filled.wait()
        guard ring.counts[slot] > 0 else {
            finished = true
            ring.done.wait()
            return false
        }
        return true
    }

    private func releaseSlot() {
        ring.free.signal()
        slot = ring.slot(after: slot)
    }

    /// Copies the next bytes into `buffer`. Returns 0 only once the producer has ended and stopped
    /// running; a producer failure is thrown here, in order.
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(Failure) -> Int {
        if !finished && !holding {
            holding = nextSlot()
            offset = 0
        }
        if finished {
            if let failure = ring.failure { throw failure }
            return 0
        }
        let count = min(buffer.count, ring.counts[slot] - offset)
        buffer.baseAddress!.copyMemory(from: ring.buffers[slot].baseAddress! + offset, byteCount: count)
        offset += count
        if offset == ring.counts[slot] {
            holding = false
            releaseSlot()
        }
        return count
    }

    /// Hands each produced chunk to `consume` in place, without copying.
    package func forEachChunk(_ consume: (UnsafeRawBufferPointer) -> Void) throws(Failure) {
        while !finished && nextSlot() {
            consume(UnsafeRawBufferPointer(rebasing: ring.buffers[slot][..<ring.counts[slot]]))
            releaseSlot()
        }
        if let failure = ring.failure { throw failure }
    }
}
