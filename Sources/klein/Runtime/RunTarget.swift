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

    /// Stage 2 on this node: `--node` (or the defaults under `--data`) and the data directory.
    func nodeRuntime() throws -> NodeRuntime {
        try NodeRuntime.local(data: data, node: node)
    }

    /// Runs `body` with the workload the arguments name: a release (its image pinned by the digest it
    /// recorded, its own manifest's settings) or an image with `--manifest`, `--env` and `--unset-env`.
    /// A registry session, when the image is in a registry, lasts as long as `body`.
    func withWorkload<T>(_ body: (Workload) async throws -> T) async throws -> T {
        if namesRelease {
            let release = try await PlatformFlags.book(in: data, create: false).entry(named: target).release
            return try await Self.withOrigin(of: try ImageLocation(parsing: release.imageReference), client: client) { origin, _ in
                try await body(try Workload(release: release, origin: origin))
            }
        }
        var deployment = Deployment()
        if let manifest { deployment = try PlatformManifest.load(file: manifest).manifest.deployment }
        deployment.environment += env.map { entry in
            let equals = entry.firstIndex(of: "=")!
            return .set(name: String(entry[..<equals]), value: String(entry[entry.index(after: equals)...]))
        }
        deployment.environment += unsetEnv.map { .unset(name: $0) }
        return try await Self.withOrigin(of: try ImageLocation(parsing: target), client: client) { origin, reference in
            try await body(Workload(image: ImageTarget(origin: origin, name: .reference(reference)), deployment: deployment))
        }
    }

    /// `body` with the origin `location` names and the reference it gives there; a registry's session
    /// is shut down afterwards.
    static func withOrigin<T>(of location: ImageLocation, client: ClientFlags, _ body: (ImageTarget.Origin, String) async throws -> T) async throws -> T {
        switch location {
        case let .layout(target):
            return try await body(.layout(try target.open()), target.selector)
        case let .registry(reference):
            return try await withSession(client, registries: [reference.registry]) { session in
                try await body(.remote(session.repository(reference)), reference.manifestReference)
            }
        }
    }
}

func warn(_ message: String) {
    FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
}
