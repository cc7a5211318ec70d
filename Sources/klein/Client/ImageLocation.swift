import ArgumentParser
import Foundation
import KleinClient
import KleinOCI
import KleinStore

/// Where an image is: a registry reference (`host/repo:tag`, optionally `docker://`) or an OCI layout
/// (`oci:PATH[:REF]`, or a path that exists or starts with `/`, `./` or `../`).
enum ImageLocation: ExpressibleByArgument, CustomStringConvertible {
    case registry(Reference)
    case layout(LayoutTarget)

    init?(argument: String) {
        if let location = try? ImageLocation(parsing: argument) { self = location } else { return nil }
    }

    init(parsing argument: String) throws {
        if argument.hasPrefix("docker://") {
            self = .registry(try Reference(String(argument.dropFirst("docker://".count))))
            return
        }
        let pathPart = String(argument.split(separator: ":", maxSplits: 1).first ?? "")
        let looksLikePath = argument.hasPrefix("oci:") || argument.hasPrefix("/") || argument.hasPrefix("./") || argument.hasPrefix("../")
            || (!pathPart.isEmpty && FileManager.default.fileExists(atPath: pathPart) && !pathPart.contains("."))
        if looksLikePath, let target = LayoutTarget(argument: argument) {
            self = .layout(target)
            return
        }
        self = .registry(try Reference(argument))
    }

    var description: String {
        switch self {
        case let .registry(reference): reference.description
        case let .layout(target): "oci:\(target)"
        }
    }

    var registry: String? {
        if case let .registry(reference) = self { return reference.registry }
        return nil
    }

    /// The repository or layout to read from and the reference naming the content in it.
    func source(in session: RegistrySession) throws -> (any ContentSource & ContentDestination, String) {
        switch self {
        case let .registry(reference):
            return (session.repository(reference), reference.manifestReference)
        case let .layout(target):
            return (try target.open(), target.selector)
        }
    }
}

/// The registry reference an argument must be, with a clear error otherwise.
func registryReference(_ location: ImageLocation, for command: String) throws -> Reference {
    guard case let .registry(reference) = location else {
        throw ValidationError("\(command) needs a registry reference such as localhost:5000/app:v1, not \(location)")
    }
    return reference
}

/// A registry argument, `host[:port]`, validated and normalized as in a reference (`index.docker.io` → `docker.io`).
func registryHost(_ host: String) throws -> String {
    try Reference(registry: host, repository: "x", tag: nil, digest: nil).registry
}
