import Foundation
import KleinOCI
import Logging

/// A swift-log handler writing one JSON object per line to standard error: `time`, `level`,
/// `label`, `message` and every metadata key, for log shippers.
public struct JSONLogHandler: LogHandler {
    /// The least severe level written; `info` by default.
    public var logLevel: Logger.Level = .info
    /// Metadata added to every line; a message's own metadata wins on the same key.
    public var metadata: Logger.Metadata = [:]
    private let label: String

    /// A handler whose lines carry `label` (the logger's label).
    public init(label: String) {
        self.label = label
    }

    /// The handler metadata value for `key`.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes `event` as one JSON line to standard error.
    public func log(event: LogEvent) {
        var fields: [String: JSONValue] = [
            "time": .string(ISO8601DateFormatter().string(from: Date())),
            "level": .string(event.level.rawValue),
            "label": .string(label),
            "message": .string(event.message.description),
        ]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            fields[key] = .string(value.description)
        }
        var bytes = JSONValue.object(fields).canonicalBytes
        bytes.append(0x0A)
        FileHandle.standardError.write(Data(bytes))
    }
}
