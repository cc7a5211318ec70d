import ArgumentParser
import KleinClient
import KleinOCI

struct ArtifactDiscover: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discover",
        abstract: "Show the referrers of an image or artifact as a tree (signatures, SBOMs, attestations, and theirs).",
        discussion: """
        Uses the referrers API, or the referrers tag schema on registries without it.
        Examples:
          klein artifact discover localhost:5000/app:v1
          klein artifact discover localhost:5000/app:v1 --artifact-type application/spdx+json --json
        """
    )
    @Argument(help: "Registry reference or oci:PATH[:REF].") var reference: ImageLocation
    @Option(help: "Show only direct referrers of this artifact type.") var artifactType: String?
    @Option(help: "Levels of referrers to follow.") var depth = 8
    @OptionGroup var format: JSONOption
    @OptionGroup var client: ClientFlags

    struct Node {
        let descriptor: Descriptor
        let children: [Node]

        var jsonValue: JSONValue {
            var object = descriptor.jsonValue.objectValue ?? [:]
            if !children.isEmpty { object["referrers"] = .array(children.map(\.jsonValue)) }
            return .object(object)
        }
    }

    func run() async throws {
        let filter = try artifactType.map { try MediaType(validating: $0) }
        let (root, children) = try await withSession(client, registries: reference.registry.map { [$0] } ?? []) { session in
            let (endpoint, name) = try reference.source(in: session)
            let root = try await endpoint.resolve(name).descriptor
            var visited: Set<Digest> = [root.digest]
            let children = try await referrers(of: root.digest, in: endpoint, filter: filter, level: 1, visited: &visited)
            return (root, children)
        }
        if format.json {
            return Output.printJSON(Node(descriptor: root, children: children).jsonValue)
        }
        print("\(reference.description)@\(root.digest)")
        printTree(children, prefix: "")
    }

    private func referrers(of digest: Digest, in endpoint: any ContentSource, filter: MediaType?, level: Int,
                           visited: inout Set<Digest>) async throws -> [Node] {
        guard level <= depth else { return [] }
        var found = try await endpoint.referrers(of: digest)
        if let filter { found = found.filter { $0.artifactType == filter } }
        var nodes: [Node] = []
        for descriptor in found.sorted(by: { ($0.artifactType?.rawValue ?? "", $0.digest) < ($1.artifactType?.rawValue ?? "", $1.digest) })
        where visited.insert(descriptor.digest).inserted {
            let children = try await referrers(of: descriptor.digest, in: endpoint, filter: nil, level: level + 1, visited: &visited)
            nodes.append(Node(descriptor: descriptor, children: children))
        }
        return nodes
    }

    private func printTree(_ nodes: [Node], prefix: String) {
        for (position, node) in nodes.enumerated() {
            let last = position == nodes.count - 1
            let type = node.descriptor.artifactType?.rawValue ?? node.descriptor.mediaType.rawValue
            print("\(prefix)\(last ? "└── " : "├── ")\(type)  \(node.descriptor.digest)")
            printTree(node.children, prefix: prefix + (last ? "    " : "│   "))
        }
    }
}
