import Foundation
import KleinOCI

/// One entry of the append-only event log: a release created, a deploy requested, a rollback.
/// Each event carries the hash of the one before it, so changing, removing or reordering any
/// stored event breaks the chain from that point on.
public struct Event: Sendable, Hashable {
    /// 1 for the first event, then one more for each.
    public let sequence: Int64
    /// RFC 3339 UTC with milliseconds, as the writer's clock read it.
    public let time: String
    /// Who asked for it (`--actor`, else user@host).
    public let actor: String
    /// What happened.
    public let kind: Kind
    /// What the event records (the release, the deployment), as canonical JSON.
    public let payload: JSONValue
    /// The hash of event `sequence - 1`; nil for the first event.
    public let previous: Digest?
    /// The hash this event was stored with.
    public let hash: Digest

    /// The kind of an event, as stored: an open set of dotted names.
    public struct Kind: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        /// The stored name, e.g. `release.created`.
        public let rawValue: String
        /// The kind stored as `rawValue`.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The stored name.
        public var description: String { rawValue }

        /// A release was recorded.
        public static let releaseCreated = Kind(rawValue: "release.created")
        /// A release was asked to run.
        public static let deployRequested = Kind(rawValue: "deploy.requested")
        /// An app was rolled back to an earlier release.
        public static let rollback = Kind(rawValue: "rollback")
    }

    /// `sha256` of the canonical JSON of every field but the hash itself.
    public static func hash(sequence: Int64, time: String, actor: String, kind: Kind, payload: JSONValue, previous: Digest?) -> Digest {
        let document: JSONValue = .object([
            "sequence": .integer(sequence), "time": .string(time), "actor": .string(actor), "kind": .string(kind.rawValue),
            "payload": payload, "previous": previous.map { .string($0.description) } ?? .null,
        ])
        return .of(document.canonicalBytes)
    }

    /// The hash this event's fields give now; differs from `hash` when a stored field was changed.
    public var recomputedHash: Digest {
        Self.hash(sequence: sequence, time: time, actor: actor, kind: kind, payload: payload, previous: previous)
    }

    /// `2026-11-22T10:15:30.123Z`.
    public static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
