import Synchronization

/// A bound on the request-body bytes the registry holds in memory at once, across all requests.
/// Bodies that are read whole (manifests) reserve their size first; a burst of large bodies waits in
/// line for room instead of exhausting the host, and one that waits too long is refused.
final class MemoryBudget: Sendable {
    private struct Waiter {
        let id: UInt64
        let bytes: Int
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var available: Int
        var waiting: [Waiter] = []
        var nextID: UInt64 = 0

        /// Admits waiters from the front of the line while the next one fits.
        mutating func admit() -> [CheckedContinuation<Bool, Never>] {
            var admitted: [CheckedContinuation<Bool, Never>] = []
            while let first = waiting.first, first.bytes <= available {
                available -= first.bytes
                admitted.append(waiting.removeFirst().continuation)
            }
            return admitted
        }
    }

    /// The most bytes held at once; a single reservation never asks for more than this.
    let capacity: Int
    private let state: Mutex<State>

    init(capacity: Int) {
        self.capacity = capacity
        state = Mutex(State(available: capacity))
    }

    /// Takes `bytes` of the budget (at most its capacity), waiting in line behind earlier requests for
    /// up to `patience`. Returns false, holding nothing, when no room came in time.
    func reserve(_ bytes: Int, patience: Duration) async -> Bool {
        let bytes = min(max(bytes, 0), capacity)
        return await withCheckedContinuation { continuation in
            let (id, admitted) = state.withLock { state in
                let id = state.nextID
                state.nextID += 1
                state.waiting.append(Waiter(id: id, bytes: bytes, continuation: continuation))
                return (id, state.admit())
            }
            guard admitted.isEmpty else {
                // Only a line that was empty admits on arrival, so this is the new waiter itself.
                admitted.forEach { $0.resume(returning: true) }
                return
            }
            Task {
                try? await Task.sleep(for: patience)
                self.giveUp(id)
            }
        }
    }

    /// Returns bytes taken by `reserve` and lets waiting requests in.
    func release(_ bytes: Int) {
        let admitted = state.withLock { state in
            state.available += min(max(bytes, 0), capacity)
            return state.admit()
        }
        admitted.forEach { $0.resume(returning: true) }
    }

    private func giveUp(_ id: UInt64) {
        let (expired, admitted) = state.withLock { state -> (CheckedContinuation<Bool, Never>?, [CheckedContinuation<Bool, Never>]) in
            guard let index = state.waiting.firstIndex(where: { $0.id == id }) else { return (nil, []) }
            let expired = state.waiting.remove(at: index).continuation
            // The one that gave up may have been at the front, holding back others that fit.
            return (expired, state.admit())
        }
        expired?.resume(returning: false)
        admitted.forEach { $0.resume(returning: true) }
    }
}
