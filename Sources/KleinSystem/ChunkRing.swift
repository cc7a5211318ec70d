import Dispatch

/// Fixed buffers passed between a background thread and its peer in order (`ReadAhead`, `WriteBehind`):
/// `counts[i]` bytes of `buffers[i]` are valid once `filled` is signalled for slot i, and the slot may be
/// reused once `free` is signalled for it; `done` tells that the background thread has stopped.
/// `counts` is raw memory, not an array: the two threads write and read different slots at the same time,
/// which an array's copy-on-write check turns into a race on the array itself.
class ChunkRing: @unchecked Sendable {
    let buffers: [UnsafeMutableRawBufferPointer]
    let counts: UnsafeMutableBufferPointer<Int>
    let filled = DispatchSemaphore(value: 0)
    let free = DispatchSemaphore(value: 0)
    let done = DispatchSemaphore(value: 0)

    init(slots: Int, chunkSize: Int) {
        buffers = (0..<slots).map { _ in .allocate(byteCount: chunkSize, alignment: 64) }
        counts = .allocate(capacity: slots)
        counts.initialize(repeating: 0)
        // Signalled up from zero: libdispatch traps when a semaphore is released below its initial value.
        for _ in 0..<slots { free.signal() }
    }

    deinit {
        buffers.forEach { $0.deallocate() }
        counts.deallocate()
    }

    /// The slot used after `slot`, in ring order.
    func slot(after slot: Int) -> Int { (slot + 1) % buffers.count }
}
