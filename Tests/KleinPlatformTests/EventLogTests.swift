import Foundation
import KleinOCI
import Testing
@testable import KleinPlatform

@Suite struct EventLogTests {
    static func temporaryLog() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("klein-events-\(UUID().uuidString)/events.sqlite").path
    }

    @Test func appendedEventsChainAndReadBack() async throws {
        let path = Self.temporaryLog()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let store = try SQLiteEventStore(path: path)
        #expect(try await store.verify().count == 0)
        let first = try await store.append(kind: .releaseCreated, actor: "a", payload: .object(["n": .integer(1)]), at: Date(timeIntervalSince1970: 0))
        let second = try await store.append(kind: .deployRequested, actor: "b", payload: .object(["n": .string("two/\u{e9}")]), at: Date(timeIntervalSince1970: 1.5))
        #expect(first.sequence == 1 && first.previous == nil && first.time == "1970-01-01T00:00:00.000Z")
        #expect(second.sequence == 2 && second.previous == first.hash && second.time == "1970-01-01T00:00:01.500Z")
        // Reopened, the log reads back exactly what was appended.
        let reopened = try SQLiteEventStore(path: path)
        #expect(try await reopened.events() == [first, second])
        let (count, head) = try await reopened.verify()
        #expect(count == 2 && head == second.hash)
    }

    @Test func theHashCoversEveryField() {
        let base = Event.hash(sequence: 1, time: "t", actor: "a", kind: .rollback, payload: .object([:]), previous: nil)
        #expect(base != Event.hash(sequence: 2, time: "t", actor: "a", kind: .rollback, payload: .object([:]), previous: nil))
        #expect(base != Event.hash(sequence: 1, time: "u", actor: "a", kind: .rollback, payload: .object([:]), previous: nil))
        #expect(base != Event.hash(sequence: 1, time: "t", actor: "b", kind: .rollback, payload: .object([:]), previous: nil))
        #expect(base != Event.hash(sequence: 1, time: "t", actor: "a", kind: .deployRequested, payload: .object([:]), previous: nil))
        #expect(base != Event.hash(sequence: 1, time: "t", actor: "a", kind: .rollback, payload: .object(["x": .null]), previous: nil))
        #expect(base != Event.hash(sequence: 1, time: "t", actor: "a", kind: .rollback, payload: .object([:]), previous: .of([0])))
    }

    /// Writers on separate connections, as separate processes would be, still form one chain.
    @Test func concurrentWritersFormOneChain() async throws {
        let path = Self.temporaryLog()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        _ = try SQLiteEventStore(path: path)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    let store = try SQLiteEventStore(path: path)
                    for round in 0..<25 {
                        _ = try await store.append(kind: .deployRequested, actor: "w\(writer)", payload: .object(["round": .integer(Int64(round))]), at: Date())
                    }
                }
            }
            try await group.waitForAll()
        }
        let store = try SQLiteEventStore(path: path)
        #expect(try await store.verify().count == 100)
        #expect(Set(try await store.events().map(\.actor)) == ["w0", "w1", "w2", "w3"])
    }
}

/// The event log's lower failures keep their kind: a file operation is `.system`, a database that
/// cannot be opened is `.database`.
@Suite struct EventLogErrorTests {
    @Test func aLogUnderAFileIsASystemError() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("klein-events-\(UUID().uuidString)").path
        try Data("not a directory".utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect {
            _ = try SQLiteEventStore(path: "\(file)/log/events.db")
        } throws: { error in
            guard case let .system(what, cause) = error as? PlatformError else { return false }
            return what.contains("events.db") && cause.errno == ENOTDIR
        }
    }

    @Test func aDirectoryWhereTheDatabaseGoesIsADatabaseError() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("klein-events-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect {
            _ = try SQLiteEventStore(path: directory)
        } throws: { error in
            guard case let .database(what, _) = error as? PlatformError else { return false }
            return what.contains(directory)
        }
    }
}
