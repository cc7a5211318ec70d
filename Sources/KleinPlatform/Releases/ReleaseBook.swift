import Foundation
import KleinOCI

/// Releases and their deployments, read from and appended to the event log. Nothing here changes
/// a recorded event: creating, deploying and rolling back each append one.
public struct ReleaseBook: Sendable {
    /// The event log releases are read from and appended to.
    public let log: any EventStore

    /// A book kept in `log`.
    public init(log: any EventStore) { self.log = log }

    /// One release as the log knows it: when it was created and by whom.
    public struct Entry: Sendable {
        /// The release.
        public let release: Release
        /// The event that recorded it.
        public let created: Event
    }

    /// A change of what an app runs: a deploy request or a rollback.
    public struct Deployment: Sendable {
        /// The release deployed.
        public let release: Release
        /// The deploy or rollback event.
        public let event: Event
    }

    /// Records a release; one that exists already (same image digest and manifest hash) is returned
    /// with its original event, and nothing is appended.
    public func record(_ release: Release, actor: String, at time: Date) async throws(PlatformError) -> (entry: Entry, isNew: Bool) {
        if let existing = try await entries().first(where: { $0.release.id == release.id }) { return (existing, false) }
        let event = try await log.append(kind: .releaseCreated, actor: actor, payload: release.payload, at: time)
        return (Entry(release: release, created: event), true)
    }

    /// Every release, oldest first.
    public func entries() async throws(PlatformError) -> [Entry] {
        var result: [Entry] = []
        for event in try await log.events() where event.kind == .releaseCreated {
            result.append(Entry(release: try Release(payload: event.payload, sequence: event.sequence), created: event))
        }
        return result
    }

    /// The release named by its full digest or a unique prefix of its hex (at least 4 characters).
    public func entry(named name: String) async throws(PlatformError) -> Entry {
        let hex = name.hasPrefix("sha256:") ? String(name.dropFirst(7)) : name
        guard hex.count >= 4, hex.allSatisfy(\.isHexDigit) else {
            throw .release("\"\(name)\" is not a release: give its digest (sha256:…) or at least 4 hex digits of it")
        }
        let matches = try await entries().filter { $0.release.id.encoded.hasPrefix(hex.lowercased()) }
        guard matches.count == 1, let match = matches.first else {
            throw .release(matches.isEmpty ? "no release is \(name) (klein release list shows them)"
                                           : "\(name) is ambiguous: it starts \(matches.count) releases; give more digits")
        }
        return match
    }

    /// The deploy requests and rollbacks of `app`, oldest first.
    public func deployments(of app: String) async throws(PlatformError) -> [Deployment] {
        let releases = Dictionary(try await entries().map { ($0.release.id.description, $0.release) }, uniquingKeysWith: { first, _ in first })
        var result: [Deployment] = []
        for event in try await log.events() where event.kind == .deployRequested || event.kind == .rollback {
            guard event.payload.objectValue?["app"]?.stringValue == app else { continue }
            guard let id = event.payload.objectValue?["release"]?.stringValue, let release = releases[id] else {
                throw .release("event \(event.sequence): \(event.kind) names a release that was never created")
            }
            result.append(Deployment(release: release, event: event))
        }
        return result
    }

    /// Requests that `release` run.
    public func deploy(_ release: Release, actor: String, at time: Date) async throws(PlatformError) -> Event {
        try await log.append(kind: .deployRequested, actor: actor, payload: .object(["app": .string(release.app), "release": .string(release.id.description)]), at: time)
    }

    /// Points `app` back at an earlier release: `target`, or else the newest release older than the
    /// current one that was deployed before. Appends a `rollback` event; nothing is rewritten.
    public func rollback(app: String, to target: Release?, actor: String, at time: Date) async throws(PlatformError) -> (from: Release, to: Release, event: Event) {
        let history = try await deployments(of: app)
        guard let current = history.last?.release else { throw .release("\(app) has never been deployed; there is nothing to roll back") }
        let order = Dictionary(try await entries().enumerated().map { ($0.element.release.id, $0.offset) }, uniquingKeysWith: { first, _ in first })
        let destination: Release
        if let target {
            guard target.app == app else { throw .release("release \(target.id) is of app \(target.app), not \(app)") }
            guard target.id != current.id else { throw .release("\(app) already runs release \(target.id)") }
            guard history.contains(where: { $0.release.id == target.id }) else {
                throw .release("release \(target.id) of \(app) was never deployed; roll back only to a release that ran (deploy it instead)")
            }
            destination = target
        } else {
            let currentOrder = order[current.id] ?? 0
            guard let previous = history.reversed().first(where: { (order[$0.release.id] ?? 0) < currentOrder })?.release else {
                throw .release("\(app) runs its oldest deployed release \(current.id); there is no earlier one to roll back to")
            }
            destination = previous
        }
        let payload: JSONValue = .object(["app": .string(app), "release": .string(destination.id.description), "from": .string(current.id.description)])
        return (current, destination, try await log.append(kind: .rollback, actor: actor, payload: payload, at: time))
    }
}
