import ArgumentParser
import KleinClient
import KleinOCI

struct Tags: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List a repository's tags.",
        discussion: "Example:\n  klein tags localhost:5000/app"
    )
    @Argument(help: "Registry repository, host/repo (a tag or digest is ignored).") var repository: ImageLocation
    @OptionGroup var format: JSONOption
    @OptionGroup var client: ClientFlags

    func run() async throws {
        let reference = try registryReference(repository, for: "tags")
        let tags = try await withSession(client, registries: [reference.registry]) { session in
            try await session.client(for: reference.registry).tags(reference.repository)
        }
        if format.json { Output.printJSON(.array(tags.map(JSONValue.string))) } else { tags.forEach { print($0) } }
    }
}

struct Resolve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the digest a reference names now (the tag resolved once, at the registry).",
        discussion: "Example:\n  klein resolve localhost:5000/app:v1"
    )
    @Argument(help: "Registry reference.") var reference: ImageLocation
    @Option(help: "From an index, print the digest of the manifest for this platform.") var platform: String?
    @OptionGroup var client: ClientFlags

    func run() async throws {
        let target = try registryReference(reference, for: "resolve")
        let wanted = try platform.map { try Platform(parsing: $0) }
        let digest = try await withSession(client, registries: [target.registry]) { session -> Digest in
            let registry = session.client(for: target.registry)
            let fetched = try await registry.manifest(target.repository, reference: target.manifestReference)
            guard let wanted, case let .index(index) = fetched.manifest else { return fetched.descriptor.digest }
            guard let chosen = index.manifest(for: wanted) else {
                throw CLIError("\(target) has no manifest for \(wanted) (it has: \(index.platformListing))")
            }
            return chosen.digest
        }
        print(digest)
    }
}

struct Delete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete a manifest (by digest, or the manifest a tag names) from a registry.",
        discussion: """
        With a tag, the tag is resolved and the manifest it names is deleted, as crane does; --tag-only \
        deletes just the tag (distribution-spec, "Deleting tags").
        Examples:
          klein delete localhost:5000/app@sha256:4f1c…
          klein delete localhost:5000/app:old --tag-only
        """
    )
    @Argument(help: "Registry reference.") var reference: ImageLocation
    @Flag(help: "Delete only the tag, keeping the manifest.") var tagOnly = false
    @OptionGroup var client: ClientFlags

    func run() async throws {
        let target = try registryReference(reference, for: "delete")
        if tagOnly && target.tag == nil { throw ValidationError("--tag-only needs a reference with a tag") }
        let deleted = try await withSession(client, registries: [target.registry]) { session -> String in
            let registry = session.client(for: target.registry)
            if tagOnly, let tag = target.tag {
                try await registry.deleteManifest(target.repository, reference: tag)
                return tag
            }
            let digest: Digest
            if let pinned = target.digest {
                digest = pinned
            } else {
                guard let descriptor = try await registry.manifestDescriptor(target.repository, reference: target.tagOrDefault) else {
                    throw ClientError.notFound(what: "manifest \(target)")
                }
                digest = descriptor.digest
            }
            try await registry.deleteManifest(target.repository, reference: digest.description)
            return digest.description
        }
        print("deleted \(deleted)")
    }
}

struct Catalog: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the repositories of a registry.",
        discussion: "Example:\n  klein catalog localhost:5000"
    )
    @Argument(help: "Registry host[:port].") var host: String
    @OptionGroup var format: JSONOption
    @OptionGroup var client: ClientFlags

    func run() async throws {
        let registry = try registryHost(host)
        let repositories = try await withSession(client, registries: [registry]) { session in
            try await session.client(for: registry).catalog()
        }
        if format.json { Output.printJSON(.array(repositories.map(JSONValue.string))) } else { repositories.forEach { print($0) } }
    }
}
