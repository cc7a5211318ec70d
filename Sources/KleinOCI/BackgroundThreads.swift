import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` on a thread of its own (`ReadAhead`, `WriteBehind`). Not on Dispatch's global queue: its
/// pool is as wide as the machine has cores, so stages blocked on each other could wait for a thread.
func detachBackgroundThread(_ body: @escaping @Sendable () -> Void) {
    let context = Unmanaged.passRetained(BackgroundThreadBody(body)).toOpaque()
    var thread = pthread_t()
    guard pthread_create(&thread, nil, backgroundThreadEntry, context) == 0 else {
        Unmanaged<BackgroundThreadBody>.fromOpaque(context).release()
        DispatchQueue.global().async { body() }
        return
    }
    pthread_detach(thread)
}

/// A background thread's entry point: runs the body `context` holds, and releases it.
private func backgroundThreadEntry(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let context else { return nil }
    Unmanaged<BackgroundThreadBody>.fromOpaque(context).takeRetainedValue().run()
    return nil
}

/// The body of a background thread, passed through `pthread_create`'s context pointer.
private final class BackgroundThreadBody: Sendable {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

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

/// A fixed set of threads of their own running submitted jobs in submission order (`GzipCompressor`'s
/// block workers). Dropping it lets the threads finish the jobs already submitted, then end.
public final class WorkerThreads {
    /// The job queue, shared with the threads; they hold only this, never the `WorkerThreads`.
    private final class Queue: @unchecked Sendable {
        private let lock = NSLock()
        private var jobs: [@Sendable () -> Void] = []
        /// Signalled once per job, and once per thread when stopping.
        let available = DispatchSemaphore(value: 0)

        func push(_ job: @escaping @Sendable () -> Void) {
            lock.withLock { jobs.append(job) }
            available.signal()
        }

        /// Runs jobs until woken with none left, which only `stop` does.
        func run() {
            while true {
                available.wait()
                guard let job = lock.withLock({ jobs.isEmpty ? nil : jobs.removeFirst() }) else { return }
                job()
            }
        }
    }

    private let queue = Queue()
    public let count: Int

    public init(count: Int) {
        self.count = max(1, count)
        let queue = self.queue
        for _ in 0..<self.count { detachBackgroundThread { queue.run() } }
    }

    deinit {
        for _ in 0..<count { queue.available.signal() }
    }

    public func submit(_ job: @escaping @Sendable () -> Void) { queue.push(job) }
}
