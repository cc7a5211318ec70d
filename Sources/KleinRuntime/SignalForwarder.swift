import KleinSystem
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Holds the signals `klein run` forwards from the moment it starts: one that arrives before the
/// container is running is kept (the run then stops before creating a container, and cleans up, or,
/// when it came while the container was being created, is delivered as soon as it runs); later ones
/// are delivered to the container (by the target given to `forward(to:)`).
final class SignalForwarder: Sendable {
    static let signals = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2]

    /// Where signals go, shared with the handler.
    private final class Route: Sendable {
        private struct State {
            var target: (@Sendable (Int32) -> Void)?
            var held: Int32?
        }

        private let state = Mutex(State())

        func deliver(_ number: Int32) {
            state.withLock { state in
                if let target = state.target { target(number) } else if state.held == nil { state.held = number }
            }
        }

        var held: Int32? { state.withLock { $0.held } }

        func setTarget(_ target: (@Sendable (Int32) -> Void)?) {
            state.withLock { state in
                state.target = target
                if let target, let held = state.held { target(held) }
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

    /// From now on signals go to `target`; one held until now (after the caller last saw `pending`) goes there at once.
    func forward(to target: @escaping @Sendable (Int32) -> Void) { route.setTarget(target) }

    /// Stops forwarding; the signals get their default actions back.
    func stop() {
        handler.cancel()
        route.setTarget(nil)
    }
}
