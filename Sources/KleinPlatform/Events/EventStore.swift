import Foundation
import KleinOCI

/// Where events are kept. Appending is the only way to change the log: there is no update or
/// delete. `SQLiteEventStore` is the embedded backend; a PostgreSQL one (postgres-nio, async) implements the same protocol.
public protocol EventStore: Sendable {
    /// Appends an event after the current last one, in one transaction that also reads that last
    /// event's hash, so concurrent writers (threads or processes) still form one chain.
    func append(kind: Event.Kind, actor: String, payload: JSONValue, at time: Date) async throws(PlatformError) -> Event
    /// Every event, in sequence order, as stored (unverified).
    func events() async throws(PlatformError) -> [Event]
    /// What the log is called in messages (its path).
    var name: String { get }
}

extension EventStore {
    /// Re-hashes the whole chain: every event's fields against its hash, every link against the
    /// previous event, and the sequence for gaps. Throws naming the first event that fails;
    /// returns the number of events and the hash of the last (the chain's head).
    @discardableResult
    public func verify() async throws(PlatformError) -> (count: Int, head: Digest?) {
        var previous: Event?
        for event in try await events() {
            let expected = (previous?.sequence ?? 0) + 1
            guard event.sequence == expected else {
                let what = expected == event.sequence - 1 ? "event \(expected) is" : "events \(expected) to \(event.sequence - 1) are"
                throw .tamperedLog(path: name, sequence: expected, reason: "\(what) missing (the log goes from \(expected - 1) to \(event.sequence))")
            }
            guard event.recomputedHash == event.hash else {
                throw .tamperedLog(path: name, sequence: event.sequence, reason: "its content was altered: it hashes to \(event.recomputedHash), but was stored as \(event.hash)")
            }
            guard event.previous == previous?.hash else {
                throw .tamperedLog(path: name, sequence: event.sequence, reason: "it does not follow event \(expected - 1): it names \(event.previous?.description ?? "no") previous hash, but event \(expected - 1) is \(previous?.hash.description ?? "absent")")
            }
            previous = event
        }
        return (previous.map { Int($0.sequence) } ?? 0, previous?.hash)
    }
}
