import Dispatch
import Synchronization

/// A fixed set of threads of their own running submitted jobs in submission order (`GzipCompressor`'s
/// block workers). Dropping it lets the threads finish the jobs already submitted, then end.
package final class WorkerThreads: Sendable {
    /// The job queue, shared with the threads; they hold only this, never the `WorkerThreads`.
    private final class Queue: Sendable {
        private let jobs = Mutex<[@Sendable () -> Void]>([])
        /// Signalled once per job, and once per thread when stopping.
        let available = DispatchSemaphore(value: 0)

        func push(_ job: @escaping @Sendable () -> Void) {
            jobs.withLock { $0.append(job) }
            available.signal()
        }

        /// Runs jobs until woken with none left, which only `stop` does.
        func run() {
            while true {
                available.wait()
                guard let job = jobs.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { return }
                job()
            }
        }
    }

    private let queue = Queue()
    package let count: Int

    package init(count: Int) {
        self.count = max(1, count)
        let queue = self.queue
        for _ in 0..<self.count { detachBackgroundThread { queue.run() } }
    }

    deinit {
        for _ in 0..<count { queue.available.signal() }
    }

    package func submit(_ job: @escaping @Sendable () -> Void) { queue.push(job) }
}
