import Dispatch

/// Runs a consuming function (hashing) on a background thread over the bytes written to it, a few chunks
/// behind the writer, so that work overlaps with what the writer does next: `ReadAhead`'s mirror.
/// Memory is bounded by `slots × chunkSize`; `write` copies into a free slot and blocks only when all are
/// in use. Two semaphores order every buffer access, as in `ReadAhead`. `finish()` (or dropping it)
/// hands over what is left and waits until the consumer has seen every byte.
package final class WriteBehind {
    /// Consumes one chunk, on the background thread only.
    package typealias Consumer = (UnsafeRawBufferPointer) -> Void

    /// What the consumer thread shares with the writer, the consumer included; the thread holds only this, never the `WriteBehind`.
    private final class Ring: ChunkRing, @unchecked Sendable {
        let consume: Consumer

        init(slots: Int, chunkSize: Int, consume: @escaping Consumer) {
            self.consume = consume
            super.init(slots: slots, chunkSize: chunkSize)
        }

        /// Consumes filled slots in order until the empty one that marks the end.
        func run() {
            var slot = 0
            while true {
                filled.wait()
                let count = counts[slot]
                if count == 0 { break }
                consume(UnsafeRawBufferPointer(rebasing: buffers[slot][..<count]))
                free.signal()
                slot = self.slot(after: slot)
            }
            done.signal()
        }
    }

    private let ring: Ring
    private let chunkSize: Int
    private var slot = 0
    private var offset = 0
    private var holding = false
    private var finished = false

    /// Starts the consumer thread. `consume` runs only there, and has run for the last time once `finish()` returns.
    package init(chunkSize: Int = 256 << 10, slots: Int = 4, consume: @escaping Consumer) {
        let ring = Ring(slots: slots, chunkSize: chunkSize, consume: consume)
        self.ring = ring
        self.chunkSize = chunkSize
        detachBackgroundThread { ring.run() }
    }

    deinit { finish() }

    /// Copies `buffer` into slots, handing each full one to the consumer.
    package func write(_ buffer: UnsafeRawBufferPointer) {
        precondition(!finished, "write after finish")
        var position = 0
        while position < buffer.count {
            if !holding { acquireSlot() }
            let count = min(chunkSize - offset, buffer.count - position)
            (ring.buffers[slot].baseAddress! + offset).copyMemory(from: buffer.baseAddress! + position, byteCount: count)
            offset += count
            position += count
            if offset == chunkSize { handOver() }
        }
    }

    /// Hands over the last partial chunk and waits until the consumer has consumed everything.
    package func finish() {
        guard !finished else { return }
        finished = true
        if holding && offset > 0 { handOver() }
        if !holding { acquireSlot() }
        ring.counts[slot] = 0
        ring.filled.signal()
        ring.done.wait()
    }

    private func acquireSlot() {
        ring.free.wait()
        holding = true
        offset = 0
    }

    private func handOver() {
        ring.counts[slot] = offset
        ring.filled.signal()
        holding = false
        slot = ring.slot(after: slot)
    }
}
