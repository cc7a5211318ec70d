import Foundation
import GRDB
import KleinOCI
import KleinSystem

/// The event log in one SQLite database (WAL, `synchronous = FULL`: an acknowledged append survives
/// a crash or power loss). Triggers refuse UPDATE and DELETE, so even SQL through this database
/// cannot rewrite history without first dropping them; `verify` catches whoever does.
public final class SQLiteEventStore: EventStore {
    private let database: DatabasePool
    /// The database's path.
    public let name: String

    /// Opens the log at `path`, creating the database and its directories when missing.
    public init(path: String) throws(PlatformError) {
        name = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        database = try PlatformError.wrap("opening the event log \(path)") {
            try FileSystem.makeDirectories(FileSystem.parent(of: path))
            let pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
            return pool
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE events (
                    sequence INTEGER PRIMARY KEY, time TEXT NOT NULL, actor TEXT NOT NULL, kind TEXT NOT NULL,
                    payload TEXT NOT NULL, previous TEXT, hash TEXT NOT NULL UNIQUE);
                CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
                CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
                """)
        }
        return migrator
    }

    /// Appends inside an immediate transaction, so concurrent writers, in threads or processes, still form one chain.
    public func append(kind: Event.Kind, actor: String, payload: JSONValue, at time: Date) async throws(PlatformError) -> Event {
        let stamp = Event.timestamp(time)
        return try await PlatformError.wrap("appending to the event log \(name)") {
            try await database.writeWithoutTransaction { db in
                var event: Event?
                // IMMEDIATE takes the write lock before reading the head, so no other writer can append in between.
                try db.inTransaction(.immediate) {
                    let head = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM events ORDER BY sequence DESC LIMIT 1")
                    let sequence = (head?["sequence"] as Int64? ?? 0) + 1
                    let previous = try (head?["hash"] as String?).map { try Digest($0) }
                    let hash = Event.hash(sequence: sequence, time: stamp, actor: actor, kind: kind, payload: payload, previous: previous)
                    try db.execute(sql: "INSERT INTO events (sequence, time, actor, kind, payload, previous, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                   arguments: [sequence, stamp, actor, kind.rawValue, String(decoding: payload.canonicalBytes, as: UTF8.self),
                                               previous?.description, hash.description])
                    event = Event(sequence: sequence, time: stamp, actor: actor, kind: kind, payload: payload, previous: previous, hash: hash)
                    // Inside the transaction, the row written but not committed (the crash tests pause here).
                    PausePoint.reachBlocking("events.append")
                    return .commit
                }
                return event!
            }
        }
    }

    /// Every event, in sequence order, as stored.
    public func events() async throws(PlatformError) -> [Event] {
        let name = name
        return try await PlatformError.wrap("reading the event log \(name)") {
            try await database.read { db in
                try Row.fetchAll(db, sql: "SELECT sequence, time, actor, kind, payload, previous, hash FROM events ORDER BY sequence").map { row in
                    let sequence: Int64 = row["sequence"]
                    let payloadText: String = row["payload"]
                    let payload: JSONValue
                    do { payload = try JSONParser.parse(Array(payloadText.utf8)) } catch {
                        throw PlatformError.tamperedLog(path: name, sequence: sequence, reason: "its payload is not JSON: \(error)")
                    }
                    func digest(_ column: String) throws -> Digest? {
                        guard let text: String = row[column] else { return nil }
                        do { return try Digest(text) } catch {
                            throw PlatformError.tamperedLog(path: name, sequence: sequence, reason: "its \(column) hash \"\(text)\" is not a digest")
                        }
                    }
                    return Event(sequence: sequence, time: row["time"], actor: row["actor"], kind: Event.Kind(rawValue: row["kind"]),
                                 payload: payload, previous: try digest("previous"), hash: try digest("hash") ?? Digest.of([]))
                }
            }
        }
    }
}
