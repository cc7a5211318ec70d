import ArgumentParser
import Foundation
import KleinOCI
import KleinPlatform

/// Where the platform's event log lives and who is acting: shared by `klein release` and `klein events`.
struct PlatformFlags: ParsableArguments {
    @OptionGroup var dataOption: DataOption

    /// The data directory; the event log is DATA/events.sqlite.
    var data: String { dataOption.directory }
    @Option(help: "Who is acting, recorded in each event (default USER@HOST).") var actor: String?

    var logPath: String { Self.logPath(in: data) }

    static func logPath(in data: String) -> String { (data as NSString).appendingPathComponent("events.sqlite") }

    /// The event log; `create` is false for read-only commands, which refuse a log that does not exist.
    func book(create: Bool) throws -> ReleaseBook { try Self.book(in: data, create: create) }

    /// The event log of the data directory `data`.
    static func book(in data: String, create: Bool) throws -> ReleaseBook {
        let logPath = logPath(in: data)
        guard create || FileManager.default.fileExists(atPath: logPath) else {
            throw CLIError("no event log at \(logPath); create a release first, or point --data at the directory that holds it")
        }
        return ReleaseBook(log: try SQLiteEventStore(path: logPath))
    }

    var who: String {
        if let actor { return actor }
        let environment = ProcessInfo.processInfo.environment
        return "\(environment["USER"] ?? environment["LOGNAME"] ?? "unknown")@\(ProcessInfo.processInfo.hostName)"
    }
}

extension Release {
    /// A short form for tables: the first 12 hex digits.
    var shortID: String { String(id.encoded.prefix(12)) }

    var summaryJSON: JSONValue {
        .object([
            "release": .string(id.description), "app": .string(app), "image": .string(image.digest.description),
            "image_reference": .string(imageReference), "manifest_hash": .string(manifestHash.description),
        ])
    }
}

extension Event {
    var json: JSONValue {
        .object([
            "sequence": .integer(sequence), "time": .string(time), "actor": .string(actor), "kind": .string(kind.rawValue),
            "payload": payload, "previous": previous.map { .string($0.description) } ?? .null, "hash": .string(hash.description),
        ])
    }
}
