import ArgumentParser
import Foundation
import KleinBuild
import KleinClient
import KleinOCI
import KleinStore

struct Rebuild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild an image from only what it carries and compare every digest.",
        discussion: """
        Uses the embedded spec and source bytes (no network, no files outside the image), regenerates \
        every layer, the config, the image manifest, the sources manifest and the index, and prints a \
        table; exits 1 on any difference. A registry image is first copied to a temporary layout.
        Examples:
          klein rebuild ./klein-images:hello-1.0.0
          klein rebuild localhost:5000/hello:1.0.0
        """
    )
    @Argument(help: "The build: [oci:]PATH[:REF] or a registry reference.") var image: ImageLocation
    @OptionGroup var format: JSONOption
    @OptionGroup var client: ClientFlags

    func run() async throws {
        let comparisons = try await withEmbeddedBuild(image, client) { build, _ in try Rebuilder(build: build).rebuild() }
        if format.json {
            Output.printJSON(.array(comparisons.map { comparison in
                .object([
                    "object": .string(comparison.object), "expected": .string(comparison.expected.description),
                    "rebuilt": comparison.rebuilt.map { .string($0.description) } ?? .null, "identical": .bool(comparison.matches),
                ])
            }))
        } else {
            let rows = [["OBJECT", "IN IMAGE", "REBUILT", "RESULT"]] + comparisons.map {
                [$0.object, $0.expected.description, $0.rebuilt?.description ?? "(none)", $0.matches ? "identical" : "DIFFERENT"]
            }
            print(Output.table(rows))
        }
        let differing = comparisons.filter { !$0.matches }
        guard differing.isEmpty else {
            throw CLIError("rebuild of \(image) differs in \(differing.count) object(s): \(differing.map(\.object).joined(separator: ", "))")
        }
    }
}

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fetch every artifact's source again and compare it with the copy the image embeds.",
        discussion: """
        git sources are cloned at their commit, URLs downloaded, Debian packages fetched with apt, OCI \
        artifacts pulled, local sources read under --context. Each artifact is verified, a mismatch \
        (both digests), failed (the source cannot be fetched: a commit gone, a URL failing) or reference \
        only. Exits 1 unless every pinned artifact is verified.
        Example:
          klein verify ./klein-images:hello-1.0.0 --context ./hello
        """
    )
    @Argument(help: "The build: [oci:]PATH[:REF] or a registry reference.") var image: ImageLocation
    @Option(help: "Directory local sources are relative to (the spec's directory when it was built).") var context = "."
    @OptionGroup var format: JSONOption
    @OptionGroup var client: ClientFlags

    func run() async throws {
        let results = try await withEmbeddedBuild(image, client) { build, session in
            await Verifier(build: build, context: context, session: session).verify()
        }
        let described = results.map { result -> (String, String, Bool) in
            switch result.outcome {
            case .verified: ("verified", "", true)
            case let .mismatch(embedded, regenerated): ("mismatch", "embedded \(embedded), source now gives \(regenerated)", false)
            case let .embeddedAltered(recorded, actual): ("mismatch", "the embedded copy was altered: recorded as \(recorded), its bytes are \(actual)", false)
            case let .failed(reason): ("failed", reason, false)
            case .referenceOnly: ("reference only", "not pinned; nothing to compare", true)
            }
        }
        if format.json {
            Output.printJSON(.array(zip(results, described).map { result, text in
                .object(["artifact": .string(result.artifact), "source": .string(result.source), "result": .string(text.0), "detail": .string(text.1)])
            }))
        } else {
            let rows = [["ARTIFACT", "SOURCE", "RESULT", "DETAIL"]] + zip(results, described).map { [$0.artifact, $0.source, $1.0, $1.1] }
            print(Output.table(rows))
        }
        let failing = zip(results, described).filter { !$1.2 }.map(\.0.artifact)
        guard failing.isEmpty else { throw CLIError("verify of \(image): \(failing.joined(separator: ", ")) not verified") }
    }
}

struct Provenance: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print where every artifact of a build comes from and how far it can be trusted.",
        discussion: """
        Classes: perfectly regeneratable (local sources), reputably immutable (pinned git commit, \
        package version + sha256, URL + sha256, image digest), reference only.
        Example:
          klein provenance ./klein-images:hello-1.0.0
        """
    )
    @Argument(help: "The build: [oci:]PATH[:REF] or a registry reference.") var image: ImageLocation
    @OptionGroup var format: JSONOption
    @OptionGroup var client: ClientFlags

    func run() async throws {
        let entries = try await withEmbeddedBuild(image, client) { build, _ in Traceability(build: build).entries }
        if format.json {
            Output.printJSON(.array(entries.map { entry in
                .object([
                    "artifact": .string(entry.artifact), "class": .string(entry.traceClass.rawValue), "kind": .string(entry.kind),
                    "source": .string(entry.source), "pin": entry.pin.map(JSONValue.string) ?? .null,
                    "digest": .string(entry.digest.description),
                ])
            }))
            return
        }
        let rows = [["ARTIFACT", "CLASS", "SOURCE", "PINNED", "DIGEST"]] + entries.map {
            [$0.artifact, $0.traceClass.rawValue, $0.source, $0.pin ?? "-", $0.digest.description]
        }
        print(Output.table(rows))
    }
}

/// Opens the build `location` names: a layout in place, or a registry image copied (index, both
/// manifests, all blobs) to a temporary layout that is removed afterwards.
func withEmbeddedBuild<T>(_ location: ImageLocation, _ flags: ClientFlags, _ body: (EmbeddedBuild, RegistrySession) async throws -> T) async throws -> T {
    try await withSession(flags, registries: [location.registry].compactMap { $0 }) { session in
        switch location {
        case let .layout(target):
            return try await body(try EmbeddedBuild(layout: try target.open(), selector: target.selector, name: location.description), session)
        case .registry:
            let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("klein-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: temporary) }
            let layout = try OCILayout.create(at: temporary)
            let (source, reference) = try location.source(in: session)
            let root = try await Copier(from: source, to: layout).copy(reference, tag: nil)
            return try await body(try EmbeddedBuild(layout: layout, selector: root.digest.description, name: location.description), session)
        }
    }
}
