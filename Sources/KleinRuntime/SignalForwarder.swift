import KleinSystem
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Holds the signals `klein run` forwards from the moment it starts: one that arrives before the
/// runtime is running is kept (the run then stops before starting a container, and cleans up, or,
/// when it came while the runtime was being started, is sent to it as soon as it runs);
/// later ones are sent to the runtime, which passes them to the container's process.
final class SignalForwarder: Sendable {
    static let signals = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2]

    /// Where signals go, shared with the handler.
    private final class Route: Sendable {
        private struct State {
            var target: ChildProcess?
            var held: Int32?
        }

        private let state = Mutex(State())

        func deliver(_ number: Int32) {
            state.withLock { state in
                if let target = state.target { target.signal(number) } else if state.held == nil { state.held = number }
            }
        }

        var held: Int32? { state.withLock { $0.held } }

        func setTarget(_ process: ChildProcess?) {
            state.withLock { state in
                state.target = process
                if let process, let held = state.held { process.signal(held) }
            }
        }
    }

    private let route: Route
    private let handler: SignalHandler

    init() {
        let route = Route()
        self.route = route
        handler = SignalHandler(Self.signals) { route.deliver($0) }
    }

    /// The first signal that arrived before `forward(to:)`, if any.
    var pending: Int32? { route.held }

    /// From now on signals go to `process`; one held until now (after the caller last saw `pending`) goes there at once.
    func forward(to process: ChildProcess) { route.setTarget(process) }

    /// Stops forwarding; the signals get their default actions back.
    func stop() {
        handler.cancel()
        route.setTarget(nil)
    }
}
