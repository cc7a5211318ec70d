import Synchronization

/// What Klein's middleware learns about one request, shared by reference: an inner middleware or the
/// handler records the user and the route, and the outer logging and metrics middleware read them
/// once the response has been written.
package final class RequestRecord: Sendable {
    private struct State {
        var user: String?
        var route = "unknown"
        var received: Int64 = 0
        var isMetered = false
    }

    private let state = Mutex(State())
    /// When the server began handling the request.
    package let start = ContinuousClock.now

    package init() {}

    /// The authenticated user, once known.
    package var user: String? {
        get { state.withLock { $0.user } }
        set { state.withLock { $0.user = newValue } }
    }

    /// A low-cardinality name of the endpoint, for metrics and logs; "unknown" until the server sets it.
    package var route: String {
        get { state.withLock { $0.route } }
        set { state.withLock { $0.route = newValue } }
    }

    /// Request body bytes read so far (counted once `meterBody` has been called).
    package var received: Int64 { state.withLock { $0.received } }

    func addReceived(_ count: Int) {
        state.withLock { $0.received += Int64(count) }
    }

    /// Marks the body as metered; returns false when it already was, so it is wrapped only once.
    func beginMetering() -> Bool {
        state.withLock { state in
            defer { state.isMetered = true }
            return !state.isMetered
        }
    }
}
