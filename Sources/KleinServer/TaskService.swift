import ServiceLifecycle

/// Runs background work (periodic maintenance, reconcilers) beside a server in its service group:
/// the work is cancelled when the group shuts down gracefully.
package struct TaskService: Service {
    let name: String
    let work: @Sendable () async -> Void

    /// `work` runs until it returns or is cancelled.
    package init(name: String, _ work: @escaping @Sendable () async -> Void) {
        self.name = name
        self.work = work
    }

    /// Runs the work; a graceful shutdown cancels it.
    package func run() async throws {
        try await cancelWhenGracefulShutdown { await work() }
    }
}

extension TaskService: CustomStringConvertible {
    /// The name given at creation, for the service group's logs.
    package var description: String { name }
}
