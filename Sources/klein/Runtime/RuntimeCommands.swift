import ArgumentParser
import Foundation
import KleinOCI
import KleinRuntime

struct Spec: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the OCI runtime config.json that `klein bundle` and `klein run` would generate.",
        discussion: """
        The image config is converted per image-spec conversion.md (User resolved against the image's own \
        /etc/passwd and /etc/group), on secure defaults, with the manifest's settings and the node's volumes, \
        secrets and GPUs merged in. The image is unpacked into DATA/rootfs once, to read its account files.
        Examples:
          klein spec ./images:web --manifest klein.platform.toml
          klein spec 3f2a9c --node /etc/klein/node.toml
        """
    )
    @OptionGroup var options: RunTargetOptions

    func run() async throws {
        let runtime = try options.nodeRuntime()
        let plan = try await options.withWorkload { try await runtime.plan($0) }
        plan.warnings.forEach(warn)
        FileHandle.standardOutput.write(Data(plan.spec.jsonValue.indentedBytes))
    }
}

struct BundleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Write an OCI runtime bundle (config.json and rootfs/) for an image or a release.",
        discussion: """
        DIR must not exist or be empty; it gets mode 0700. The rootfs is a fresh, verified unpack; mountpoints \
        are created without following symlinks in it; secrets are copied into DIR/secrets with their declared \
        mode and owner, and image volumes get directories in DIR/volumes. `runc run --bundle DIR ID` runs it.
        Examples:
          klein bundle ./images:web ./web-bundle --manifest klein.platform.toml
          klein bundle 3f2a9c /run/klein/web --node /etc/klein/node.toml
        """
    )
    @OptionGroup var options: RunTargetOptions
    @Argument(help: "The bundle directory.") var directory: String

    func run() async throws {
        let runtime = try options.nodeRuntime()
        let (image, plan) = try await options.withWorkload { try await runtime.writeBundle($0, to: directory) }
        plan.warnings.forEach(warn)
        print("bundle \(directory): \(image.manifest.layers.count) layers of \(image.manifestDigest), \(plan.spec.mounts.count) mounts")
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an image or a release with runc or crun, in the foreground; exits with the container's code.",
        discussion: """
        The image is unpacked once into DATA/rootfs (by layer ChainID) and each run gets an overlay on it, \
        so a second run of the same image unpacks nothing. The bundle lives in DATA/run/ID while the container \
        runs and is removed afterwards. Output is the container's; SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 \
        and SIGUSR2 are forwarded to it.
        Examples:
          klein run ./images:web --manifest klein.platform.toml
          klein run 3f2a9c --node /etc/klein/node.toml --runtime crun
          klein run ./images:tools --env DEBUG=1
        """
    )
    @OptionGroup var options: RunTargetOptions
    @Option(help: "runc, crun or a path (default: node.toml's runtime, else the first of runc and crun on PATH).") var runtime: String?

    func run() async throws {
        let node = try options.nodeRuntime()
        let runner = try ContainerRunner(preferred: runtime ?? node.node.runtime)
        let bundler = try await options.withWorkload { try await node.bundler(for: $0) }
        let code = try await bundler.run(stateDirectory: "\(options.data)/run", cache: node.rootfsCache, runner: runner, warn: warn)
        throw ExitCode(code)
    }
}

/// `klein rootfs …`: the unpacked images `klein run` and `klein spec` keep in DATA/rootfs.
struct RootfsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rootfs",
        abstract: "Manage the unpacked images in DATA/rootfs.",
        subcommands: [RootfsPrune.self]
    )
}

struct RootfsPrune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove unpacked images no running container uses, and leftovers of interrupted unpacks.",
        discussion: """
        A tree that a mounted overlay uses as its lower directory stays; runs starting meanwhile wait. \
        The next run of a removed image unpacks it again.
        Example:
          klein rootfs prune --data /var/lib/klein
        """
    )
    @OptionGroup var dataOption: DataOption

    func run() throws {
        let removed = try RootfsCache(directory: "\(dataOption.directory)/rootfs").prune()
        removed.forEach { print("removed \($0)") }
        print("\(removed.count) removed")
    }
}
