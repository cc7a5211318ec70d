import ArgumentParser
import Foundation
import KleinClient
import KleinOCI
import KleinPlatform
import KleinRuntime
import KleinStore

/// What `klein spec`, `klein bundle` and `klein run` share: the image or release to run, the platform
/// manifest and node configuration that apply, and ad-hoc environment changes.
struct RunTargetOptions: ParsableArguments {
    @Argument(help: "An image (a registry reference or [oci:]PATH[:REF]) or a release (its digest, or at least 4 hex digits of it).")
    var target: String
    @Option(help: "A platform manifest whose settings apply (not with a release: it carries its own).") var manifest: String?
    @Option(help: "The node configuration, node.toml (default: volumes and secrets under --data, this machine's platform).") var node: String?
    @Option(name: .customLong("env"), help: "Set NAME=VALUE in the process's environment (images only; repeatable).") var env: [String] = []
    @Option(name: .customLong("unset-env"), help: "Remove NAME from the image's environment (images only; repeatable).") var unsetEnv: [String] = []
    @OptionGroup var dataOption: DataOption

    /// The data directory: the event log, pulled images (DATA/images), unpacked images (DATA/rootfs).
    var data: String { dataOption.directory }
    @OptionGroup var client: ClientFlags

    /// A release is named by its digest or a hex prefix of it; anything else, or a path that exists, is an image.
    var namesRelease: Bool {
        let hex = target.hasPrefix("sha256:") ? String(target.dropFirst(7)) : target
        return !FileManager.default.fileExists(atPath: target) && (4...64).contains(hex.count) && hex.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    func validate() throws {
        for entry in env where !entry.contains("=") || entry.hasPrefix("=") {
            throw ValidationError("--env \"\(entry)\" is not NAME=VALUE")
        }
        if namesRelease && (manifest != nil || !env.isEmpty || !unsetEnv.isEmpty) {
            throw ValidationError("\(target) is a release: its manifest is part of it, so --manifest, --env and --unset-env do not apply")
        }
    }

    var rootfsCache: RootfsCache { RootfsCache(directory: "\(data)/rootfs") }

    /// The image to run, the deployment settings and the node, with a registry image pulled into
    /// DATA/images first (only the manifest for the node's platform, and only blobs not there yet).
    func resolve() async throws -> (image: RunnableImage, deployment: Deployment, node: NodeConfiguration) {
        let node = try NodeFile.load(self.node, dataDirectory: data)
        var deployment = Deployment()
        let location: ImageLocation
        if namesRelease {
            let release = try await PlatformFlags.book(in: data, create: false).entry(named: target).release
            deployment = try release.platformManifest().deployment
            deployment.release = release.id.description
            location = try Self.pinned(try ImageLocation(parsing: release.imageReference), to: release.image.digest)
        } else {
            location = try ImageLocation(parsing: target)
            if let manifest { deployment = try PlatformManifest.load(file: manifest).manifest.deployment }
            deployment.environment += env.map { entry in
                let equals = entry.firstIndex(of: "=")!
                return .set(name: String(entry[..<equals]), value: String(entry[entry.index(after: equals)...]))
            }
            deployment.environment += unsetEnv.map { .unset(name: $0) }
        }
        return (try await image(at: location, platform: node.platform), deployment, node)
    }

    /// The release's image location, named by the digest the release recorded instead of its tag.
    static func pinned(_ location: ImageLocation, to digest: Digest) throws -> ImageLocation {
        switch location {
        case let .layout(target):
            var pinned = target
            pinned.selector = digest.description
            return .layout(pinned)
        case let .registry(reference):
            return .registry(try Reference("\(reference.registry)/\(reference.repository)@\(digest)"))
        }
    }

    private func image(at location: ImageLocation, platform: Platform) async throws -> RunnableImage {
        switch location {
        case let .layout(target):
            return try RunnableImage(layout: try target.open(), selector: target.selector, platform: platform)
        case let .registry(reference):
            let layout = try OCILayout.create(at: "\(data)/images")
            let root = try await withSession(client, registries: [reference.registry]) { session in
                var copier = Copier(from: session.repository(reference), to: layout)
                copier.platform = platform
                return try await copier.copy(reference.manifestReference, tag: nil)
            }
            return try RunnableImage(layout: layout, selector: root.digest.description, platform: platform)
        }
    }
}

func warn(_ message: String) {
    FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
}
