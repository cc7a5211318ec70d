import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

extension ChildProcess {
    /// Waits for the child to end, suspending the task (no thread blocks but the waiter's own).
    package func exit() async -> ProcessTermination {
        await withCheckedContinuation { continuation in onExit { continuation.resume(returning: $0) } }
    }

    /// Waits at most `timeout` for the child to end; nil when it is still running then.
    package func exit(within timeout: Duration) async -> ProcessTermination? {
        await withCheckedContinuation { continuation in
            let resumed = Atomic(false)
            let resume: @Sendable (ProcessTermination?) -> Void = { termination in
                if !resumed.exchange(true, ordering: .acquiringAndReleasing) { continuation.resume(returning: termination) }
            }
            onExit { resume($0) }
            let (seconds, attoseconds) = timeout.components
            let nanoseconds = max(0, Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { resume(nil) }
        }
    }

    /// Blocks the calling thread until the child ends, or until `deadline`; nil when it is still running
    /// then. For synchronous callers that are on a thread of their own, never for async code.
    package func waitUntilExit(deadline: ContinuousClock.Instant? = nil) -> ProcessTermination? {
        let ended = DispatchSemaphore(value: 0)
        onExit { _ in ended.signal() }
        if let deadline {
            let left = ContinuousClock.now.duration(to: deadline)
            let (seconds, attoseconds) = max(left, .zero).components
            let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
            guard ended.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .success else { return termination }
        } else {
            ended.wait()
        }
        return termination
    }

    /// Stops the child: `signal` (SIGTERM unless told otherwise), then SIGKILL if it has not ended
    /// within `grace`, each to its process group when `group`. Returns how it ended.
    package func terminate(signal: Int32 = SIGTERM, grace: Duration, group: Bool = false) async -> ProcessTermination {
        self.signal(signal, group: group)
        if let ended = await exit(within: grace) { return ended }
        self.signal(SIGKILL, group: group)
        return await exit()
    }
}
