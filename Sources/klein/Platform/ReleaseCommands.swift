import ArgumentParser
import Foundation
import KleinClient
import KleinOCI
import KleinPlatform

/// `klein release …`: releases (image digest + platform-manifest hash) in the append-only event log.
struct ReleaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Create, list, compare, deploy, roll back and push releases: (image digest, platform manifest hash) pairs.",
        subcommands: [ReleaseCreate.self, ReleaseList.self, ReleaseShow.self, ReleaseDiffCommand.self, ReleaseDeploy.self,
                      ReleaseRollback.self, ReleasePush.self]
    )
}

struct ReleaseCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Record a release of an image with a platform manifest; prints the release's digest.",
        discussion: """
        The image's tag is resolved to a digest once, here (an index stays pinned by the index digest). \
        The image must exist and, with the manifest, give a process to run; ports the image exposes but \
        the manifest does not declare (or the reverse) are warned about. Creating the same pair again \
        records nothing and prints the existing release.
        Examples:
          klein release create --image localhost:5000/web:1.4 --manifest klein.platform.toml
          klein release create --image oci:./images:web --manifest web.toml --data /var/lib/klein
        """
    )
    @Option(help: "The image: a registry reference or [oci:]PATH[:REF]; a tag is resolved to its digest now.") var image: ImageLocation
    @Option(help: "The platform manifest (TOML).") var manifest = "klein.platform.toml"
    @OptionGroup var format: JSONOption
    @OptionGroup var platform: PlatformFlags
    @OptionGroup var client: ClientFlags

    func run() async throws {
        let (validated, source) = try PlatformManifest.load(file: manifest)
        let prepared = try await withSession(client, registries: [image.registry].compactMap { $0 }) { session in
            let (endpoint, reference) = try image.source(in: session)
            return try await Self.prepare(image: endpoint, reference: reference, display: image.description, manifest: validated, source: source)
        }
        for warning in prepared.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        let (entry, isNew) = try await platform.book(create: true).record(prepared.release, actor: platform.who, at: Date())
        if format.json {
            var summary = entry.release.summaryJSON.objectValue ?? [:]
            summary["created"] = .bool(isNew)
            summary["event"] = .integer(entry.created.sequence)
            summary["warnings"] = .array(prepared.warnings.map(JSONValue.string))
            Output.printJSON(.object(summary))
        } else {
            if !isNew { FileHandle.standardError.write(Data("release exists since event \(entry.created.sequence); nothing recorded\n".utf8)) }
            print(entry.release.id)
        }
    }
}

struct ReleaseList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List releases, oldest first; * marks what each app runs now.",
        discussion: "Examples:\n  klein release list\n  klein release list web --json"
    )
    @Argument(help: "Only this app's releases.") var app: String?
    @OptionGroup var format: JSONOption
    @OptionGroup var platform: PlatformFlags

    func run() async throws {
        let book = try platform.book(create: false)
        let entries = try await book.entries().filter { app == nil || $0.release.app == app }
        var current: [String: Digest] = [:]
        for name in Set(entries.map(\.release.app)) { current[name] = try await book.deployments(of: name).last?.release.id }
        if format.json {
            Output.printJSON(.array(entries.map { entry in
                var summary = entry.release.summaryJSON.objectValue ?? [:]
                summary["created_at"] = .string(entry.created.time)
                summary["current"] = .bool(current[entry.release.app] == entry.release.id)
                return .object(summary)
            }))
            return
        }
        let rows = [["", "RELEASE", "APP", "IMAGE", "MANIFEST", "CREATED"]] + entries.map { entry in
            let release = entry.release
            return [current[release.app] == release.id ? "*" : "", release.shortID, release.app, String(release.image.digest.encoded.prefix(12)),
                    String(release.manifestHash.encoded.prefix(12)), entry.created.time]
        }
        print(Output.table(rows))
    }
}

struct ReleaseShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a release: its image, its manifest hash and its effective platform manifest.",
        discussion: "Example:\n  klein release show 3f2a9c"
    )
    @Argument(help: "The release: its digest or a unique prefix of it.") var release: String
    @OptionGroup var format: JSONOption
    @OptionGroup var platform: PlatformFlags

    func run() async throws {
        let entry = try await platform.book(create: false).entry(named: release)
        let release = entry.release
        if format.json {
            var summary = release.summaryJSON.objectValue ?? [:]
            summary["created_at"] = .string(entry.created.time)
            summary["actor"] = .string(entry.created.actor)
            summary["manifest"] = (try? JSONParser.parse(release.manifest)) ?? .null
            summary["manifest_source"] = .string(release.manifestSource)
            Output.printJSON(.object(summary))
            return
        }
        print(Output.table([
            ["release", release.id.description], ["app", release.app], ["image", "\(release.image.digest) (\(release.imageReference))"],
            ["manifest", release.manifestHash.description], ["created", "\(entry.created.time) by \(entry.created.actor), event \(entry.created.sequence)"],
        ]))
        print("")
        print(try release.platformManifest().explanation, terminator: "")
    }
}

struct ReleaseDiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what changed between two releases: the image digest and each manifest key.",
        discussion: "Example:\n  klein release diff 3f2a9c 81bd07"
    )
    @Argument(help: "The earlier release.") var a: String
    @Argument(help: "The later release.") var b: String
    @OptionGroup var format: JSONOption
    @OptionGroup var platform: PlatformFlags

    func run() async throws {
        let book = try platform.book(create: false)
        let first = try await book.entry(named: a).release, second = try await book.entry(named: b).release
        let diff = ReleaseDiff(from: first, to: second)
        if format.json {
            Output.printJSON(.object([
                "image": .object(["from": .string(first.image.digest.description), "to": .string(second.image.digest.description),
                                  "changed": .bool(diff.imageChanged)]),
                "manifest": .array(diff.changes.map { change in
                    .object(["key": .string(change.key), "from": change.old.map(JSONValue.string) ?? .null, "to": change.new.map(JSONValue.string) ?? .null])
                }),
            ]))
            return
        }
        print(diff.imageChanged ? "image: \(first.image.digest) -> \(second.image.digest)" : "image: unchanged (\(first.image.digest))")
        if diff.changes.isEmpty { print("manifest: unchanged (\(first.manifestHash))") }
        for change in diff.changes {
            switch (change.old, change.new) {
            case let (nil, new?): print("+ \(change.key) = \(new)")
            case let (old?, nil): print("- \(change.key) = \(old)")
            case let (old?, new?): print("~ \(change.key): \(old) -> \(new)")
            case (nil, nil): break
            }
        }
    }
}

struct ReleaseDeploy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Request that a release run: appends a deploy event for its app.",
        discussion: "Example:\n  klein release deploy 3f2a9c"
    )
    @Argument(help: "The release: its digest or a unique prefix of it.") var release: String
    @OptionGroup var platform: PlatformFlags

    func run() async throws {
        let book = try platform.book(create: false)
        let entry = try await book.entry(named: release)
        let event = try await book.deploy(entry.release, actor: platform.who, at: Date())
        print("event \(event.sequence): deploy \(entry.release.app) \(entry.release.id)")
    }
}

struct ReleaseRollback: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Point an app back at an earlier release (a new event; history is never rewritten).",
        discussion: """
        Without --to, goes to the newest release older than the current one that ran before.
        Examples:
          klein release rollback web
          klein release rollback web --to 3f2a9c
        """
    )
    @Argument(help: "The app.") var app: String
    @Option(help: "The release to go back to: its digest or a unique prefix of it.") var to: String?
    @OptionGroup var platform: PlatformFlags

    func run() async throws {
        let book = try platform.book(create: false)
        var target: Release?
        if let to { target = try await book.entry(named: to).release }
        let result = try await book.rollback(app: app, to: target, actor: platform.who, at: Date())
        print("event \(result.event.sequence): rollback \(app) \(result.from.id) -> \(result.to.id)")
    }
}

struct ReleasePush: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Push a release, as an OCI artifact whose subject is its image, beside the image in a registry.",
        discussion: """
        The artifact (type application/vnd.klein.release.v1) holds the canonical platform manifest; \
        registries list it among the image's referrers. The default repository is the image's own; \
        with --to, the image is copied there first when it is missing. Prints the artifact's digest.
        Examples:
          klein release push 3f2a9c
          klein release push 3f2a9c --to registry.example.com/web
        """
    )
    @Argument(help: "The release: its digest or a unique prefix of it.") var release: String
    @Option(help: "The registry repository (host/repo) to push to; default the image's.") var to: String?
    @OptionGroup var platform: PlatformFlags
    @OptionGroup var client: ClientFlags

    func run() async throws {
        let release = try await platform.book(create: false).entry(named: release).release
        let origin = try ImageLocation(parsing: release.imageReference)
        let target: Reference
        if let to {
            target = try Reference(to)
        } else {
            guard case let .registry(reference) = origin else {
                throw CLIError("the image of release \(release.shortID) came from \(release.imageReference), not a registry; name one with --to host/repo")
            }
            target = reference
        }
        let digest = try await withSession(client, registries: [target.registry, origin.registry].compactMap { $0 }) { session in
            let destination = session.repository(target)
            if try await session.client(for: target.registry).manifestDescriptor(target.repository, reference: release.image.digest.description) == nil {
                let (source, _) = try origin.source(in: session)
                _ = try await Copier(from: source, to: destination).copy(release.image.digest.description, tag: nil)
            }
            return try await Copier(from: release.staged, to: destination).copy(release.id.description, tag: nil)
        }
        print(digest.digest)
    }
}
