import NIOCore
import Synchronization

/// Knows every open connection and whether it is between requests, so a graceful shutdown can
/// close idle connections at once and let busy ones finish their current request.
final class ConnectionTracker: Sendable {
    private struct State {
        var connections: [Int: (channel: any Channel, idle: Bool)] = [:]
        var nextID = 0
        var shuttingDown = false
    }

    private let state = Mutex(State())

    var isShuttingDown: Bool { state.withLock { $0.shuttingDown } }

    func opened(_ channel: any Channel) -> Int {
        state.withLock { state in
            state.nextID += 1
            state.connections[state.nextID] = (channel, true)
            return state.nextID
        }
    }

    /// Marks a connection idle (waiting for a request) or busy. Returns `false` when the
    /// connection should stop: it became idle during shutdown.
    func setIdle(_ id: Int, _ idle: Bool) -> Bool {
        state.withLock { state in
            state.connections[id]?.idle = idle
            return !(idle && state.shuttingDown)
        }
    }

    func closed(_ id: Int) {
        _ = state.withLock { $0.connections.removeValue(forKey: id) }
    }

    /// Stops new requests on idle connections; busy ones close after their response.
    func beginShutdown() {
        let idle = state.withLock { state in
            state.shuttingDown = true
            return state.connections.values.filter(\.idle).map(\.channel)
        }
        for channel in idle { channel.close(promise: nil) }
    }
}
