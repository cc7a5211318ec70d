import ArgumentParser
import Foundation
import KleinBuild
import KleinClient
import KleinOCI
import KleinStore

struct Build: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build a reproducible image from a build spec; the image embeds its spec and sources.",
        discussion: """
        Fetches every pinned source (local, git@commit, url+sha256, deb=version+sha256, oci@digest), writes \
        one deterministic layer per artifact over the base image's layers, and stores an index holding the \
        image and its build sources, plus an in-toto/SLSA provenance statement as a referrer. \
        SOURCE_DATE_EPOCH overrides the spec's epoch. Prints the build's digest.
        Examples:
          klein build                                  # ./klein.build.toml into ./klein-images:<id>-<version>
          klein build app/klein.build.toml -o oci:./images:app
          klein build --push localhost:5000/app:1.0.0
        """
    )

    @Argument(help: "The build spec (TOML).") var spec = "klein.build.toml"
    @Option(name: .shortAndLong, help: "Layout to write, [oci:]PATH[:REF] (default ./klein-images:<id>-<version>).") var output: LayoutTarget?
    @Option(help: "Also push the build, with its sources and provenance, to this registry reference.") var push: String?
    @OptionGroup var format: JSONOption
    @OptionGroup var client: ClientFlags

    func run() async throws {
        let spec = try BuildSpec.load(file: spec, sourceDateEpoch: ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"])
        let pushTarget = try push.map { try Reference($0) }
        let target = output ?? LayoutTarget(argument: "./klein-images:\(spec.id)-\(spec.version)")!
        let tag = try target.refName()
        let createdLayout = !FileManager.default.fileExists(atPath: target.path)
        let layout = try OCILayout.create(at: target.path)
        let context = (self.spec as NSString).deletingLastPathComponent
        let outcome: Builder.Outcome
        do {
            outcome = try await withSession(client, registries: [pushTarget?.registry].compactMap { $0 }) { session in
                let outcome = try await Builder(spec: spec, context: context.isEmpty ? "." : context, layout: layout, session: session).build(tag: tag)
                if let pushTarget {
                    var copier = Copier(from: layout, to: session.repository(pushTarget))
                    copier.referrers = true
                    try await copier.copy(outcome.image.index.digest.description, tag: pushTarget.digest == nil ? pushTarget.tag ?? pushTarget.tagOrDefault : nil)
                }
                return outcome
            }
        } catch {
            if createdLayout { try? FileManager.default.removeItem(atPath: target.path) }
            throw error
        }
        report(outcome, layout: target, pushed: pushTarget)
    }

    private func report(_ outcome: Builder.Outcome, layout: LayoutTarget, pushed: Reference?) {
        let image = outcome.image
        if format.json {
            var members: [String: JSONValue] = [
                "digest": .string(image.index.digest.description),
                "image": .string(image.image.digest.description),
                "config": .string(image.config.digest.description),
                "sources": .string(image.sources.digest.description),
                "provenance": .string(outcome.provenance.digest.description),
                "layers": .array(image.layers.map { .string($0.digest.description) }),
                "layout": .string("oci:\(layout)"),
            ]
            if let pushed { members["pushed"] = .string(pushed.description) }
            Output.printJSON(.object(members))
            return
        }
        let spec = image.spec
        var rows = [["image", image.image.digest.description, spec.platform?.description ?? ""]]
        let baseCount = image.layers.count - spec.artifacts.count
        for (position, layer) in image.layers.enumerated() {
            let what = position < baseCount ? "base" : "\(spec.artifacts[position - baseCount].name) (\(spec.artifacts[position - baseCount].source.kind))"
            rows.append(["layer", layer.digest.description, what])
        }
        rows.append(["sources", image.sources.digest.description, "spec + \(spec.artifacts.count) source(s)"])
        rows.append(["provenance", outcome.provenance.digest.description, "in-toto SLSA v1, referrer"])
        FileHandle.standardError.write(Data("built \(spec.id) \(spec.version) into oci:\(layout)\(pushed.map { " and \($0)" } ?? "")\n".utf8))
        FileHandle.standardError.write(Data((Output.table(rows) + "\n").utf8))
        print(image.index.digest)
    }
}
