import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A started child process. Its exit is awaited on a thread of its own (a blocking `waitid`), never on
/// Swift's cooperative pool; the child is reaped under the same lock that `signal` takes, so a signal is
/// never sent to a process id that has been reaped (and may have been reused). A child no one waited
/// for is still reaped once it exits.
package final class ChildProcess: Sendable {
    package let pid: pid_t

    private struct State {
        var termination: ProcessTermination?
        var waiterStarted = false
        var observers: [@Sendable (ProcessTermination) -> Void] = []
    }

    private let state = Mutex(State())

    init(pid: pid_t) { self.pid = pid }

    deinit {
        // The waiter thread holds the process while it runs, so here no one is waiting: reap it later.
        guard state.withLock({ $0.termination == nil && !$0.waiterStarted }) else { return }
        let pid = self.pid
        detachBackgroundThread {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
    }

    /// How it ended, once it has ended and been reaped.
    package var termination: ProcessTermination? { state.withLock { $0.termination } }

    /// Sends `signal` to the child, or with `group` to its process group, unless it has been reaped.
    package func signal(_ signal: Int32, group: Bool = false) {
        state.withLock { state in
            guard state.termination == nil else { return }
            _ = group ? killpg(pid, signal) : kill(pid, signal)
        }
    }

    /// Calls `observer` once the child has ended (at once when it has): on the waiter thread, so briefly.
    package func onExit(_ observer: @escaping @Sendable (ProcessTermination) -> Void) {
        let (ended, startWaiter) = state.withLock { state -> (ProcessTermination?, Bool) in
            if let termination = state.termination { return (termination, false) }
            state.observers.append(observer)
            defer { state.waiterStarted = true }
            return (nil, !state.waiterStarted)
        }
        if let ended { observer(ended) }
        if startWaiter { detachBackgroundThread { self.awaitExit() } }
    }

    /// Waits for the child to end, without reaping it, then reaps it under the lock and tells the observers.
    private func awaitExit() {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
        let (termination, observers) = state.withLock { state in
            // The child is a zombie by now: this does not block (and never under the lock).
            var status: Int32 = 0
            while waitpid(pid, &status, WNOHANG) < 0 && errno == EINTR {}
            let termination = ProcessTermination(waitStatus: status)
            state.termination = termination
            defer { state.observers = [] }
            return (termination, state.observers)
        }
        observers.forEach { $0(termination) }
    }
}
