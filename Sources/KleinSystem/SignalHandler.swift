import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Takes over `signals` from this process's default actions and calls `handler` with each one that
/// arrives, in order, on a serial queue of its own (not in a signal handler, so it may do anything).
/// `cancel()` gives the signals their default actions back.
package final class SignalHandler: @unchecked Sendable {
    package let signals: [Int32]
    /// Every handler call and every access to `sources` runs on this queue.
    private let queue = DispatchQueue(label: "klein.signals")
    private var sources: [any DispatchSourceSignal] = []

    /// Returns once every signal is handled: one sent after that reaches `handler`.
    package init(_ signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        self.signals = signals
        let registered = DispatchSemaphore(value: 0)
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(number) }
            source.setRegistrationHandler { registered.signal() }
            source.resume()
            return source
        }
        // Registration is asynchronous: until it is done, an ignored signal would be lost.
        for _ in signals { registered.wait() }
    }

    /// Stops handling; no handler call starts after this returns, and the signals get their default actions back.
    package func cancel() {
        queue.sync {
            sources.forEach { $0.cancel() }
            sources = []
        }
        signals.forEach { signal($0, SIG_DFL) }
    }
}
