import NIOCore
import Synchronization

/// Knows every open connection, whether it is between requests and how long it has been waiting for
/// the client, so idle connections close on shutdown, silent clients time out, and a graceful shutdown
/// has a deadline.
final class ConnectionTracker: Sendable {
    private struct Connection {
        let channel: any Channel
        var idle = true
        /// When the server started waiting for bytes from the client; `nil` while it is working or writing.
        var waitingSince: ContinuousClock.Instant? = .now
    }

    private struct State {
        var connections: [Int: Connection] = [:]
        var nextID = 0
        var shutdownStarted: ContinuousClock.Instant?
    }

    private let state = Mutex(State())
    /// How long a client may stay silent: between requests, inside a request body, during a TLS handshake.
    let clientTimeout: Duration
    /// How long a graceful shutdown waits for requests in flight.
    let shutdownTimeout: Duration

    init(clientTimeout: Duration = .seconds(120), shutdownTimeout: Duration = .seconds(60)) {
        self.clientTimeout = clientTimeout
        self.shutdownTimeout = shutdownTimeout
    }

    var isShuttingDown: Bool { state.withLock { $0.shutdownStarted != nil } }

    func opened(_ channel: any Channel) -> Int {
        state.withLock { state in
            state.nextID += 1
            state.connections[state.nextID] = Connection(channel: channel)
            return state.nextID
        }
    }

    /// Marks a connection idle (waiting for a request) or busy. Returns `false` when the
    /// connection should stop: it became idle during shutdown.
    func setIdle(_ id: Int, _ idle: Bool) -> Bool {
        state.withLock { state in
            state.connections[id]?.idle = idle
            return !(idle && state.shutdownStarted != nil)
        }
    }

    /// Records that the server waits for the client (`true`) or got what it waited for (`false`).
    func waiting(_ id: Int, _ waiting: Bool) {
        state.withLock { $0.connections[id]?.waitingSince = waiting ? .now : nil }
    }

    func closed(_ id: Int) {
        _ = state.withLock { $0.connections.removeValue(forKey: id) }
    }

    /// Stops new requests on idle connections; busy ones close after their response.
    func beginShutdown() {
        let idle = state.withLock { state in
            state.shutdownStarted = state.shutdownStarted ?? .now
            return state.connections.values.filter(\.idle).map(\.channel)
        }
        for channel in idle { channel.close(promise: nil) }
    }

    /// Closes connections whose client has been silent too long, and every connection once a
    /// shutdown has run past its deadline. Called periodically.
    func closeExpired(now: ContinuousClock.Instant = .now) {
        let expired = state.withLock { state -> [any Channel] in
            if let started = state.shutdownStarted, now - started > shutdownTimeout {
                return state.connections.values.map(\.channel)
            }
            return state.connections.values.filter { connection in
                connection.waitingSince.map { now - $0 > clientTimeout } ?? false
            }.map(\.channel)
        }
        for channel in expired { channel.close(promise: nil) }
    }
}
