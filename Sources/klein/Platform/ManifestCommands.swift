import ArgumentParser
import KleinOCI
import KleinPlatform

/// `klein manifest validate|hash|explain|schema|defaults`: the platform manifest (`klein.platform.toml`).
struct ManifestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest",
        abstract: "Validate, hash and explain platform manifests (klein.platform.toml).",
        subcommands: [ManifestValidate.self, ManifestHash.self, ManifestExplain.self, ManifestSchemaCommand.self, ManifestDefaults.self]
    )
}

struct ManifestValidate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a platform manifest; print every problem with its line and key, or its content hash.",
        discussion: "Example:\n  klein manifest validate klein.platform.toml"
    )
    @Argument(help: "The platform manifest.") var file = "klein.platform.toml"
    @OptionGroup var format: JSONOption

    func run() throws {
        let manifest = try PlatformManifest.load(file: file).manifest
        if format.json {
            Output.printJSON(.object(["app": .string(manifest.app), "hash": .string(manifest.contentHash.description), "valid": .bool(true)]))
        } else {
            print("\(file): valid, app \(manifest.app), hash \(manifest.contentHash)")
        }
    }
}

struct ManifestHash: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash",
        abstract: "Print a manifest's content hash: the digest of its effective manifest's canonical JSON.",
        discussion: """
        Comments, key order, formatting and equivalent spellings (1024Mi and 1Gi, defaults written out or \
        left to apply) give the same hash; any change of meaning gives another.
        Example:
          klein manifest hash klein.platform.toml
        """
    )
    @Argument(help: "The platform manifest.") var file = "klein.platform.toml"

    func run() throws { print(try PlatformManifest.load(file: file).manifest.contentHash) }
}

struct ManifestExplain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Print the effective manifest, every default filled in and marked.",
        discussion: "Examples:\n  klein manifest explain klein.platform.toml\n  klein manifest explain --json"
    )
    @Argument(help: "The platform manifest.") var file = "klein.platform.toml"
    @OptionGroup var format: JSONOption

    func run() throws {
        let manifest = try PlatformManifest.load(file: file).manifest
        if format.json {
            let effective = (try? JSONParser.parse(manifest.canonicalJSON)) ?? .null
            Output.printJSON(.object(["manifest": effective, "defaults": .array(manifest.defaulted.map(JSONValue.string)),
                                      "hash": .string(manifest.contentHash.description)]))
        } else {
            print("# \(file): content hash \(manifest.contentHash)")
            print(manifest.explanation, terminator: "")
        }
    }
}

struct ManifestSchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema of platform manifests (for editors); schemas/platform-manifest-v1.json is this output."
    )

    func run() { Output.writeRaw(ManifestSchema.jsonSchema.indentedBytes) }
}

struct ManifestDefaults: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "defaults",
        abstract: "Print every manifest key with its type, default and meaning, as a Markdown table."
    )

    func run() { print(ManifestSchema.defaultsTable, terminator: "") }
}
