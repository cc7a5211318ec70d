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
        abstract: "Run an image or a release with runc or crun, in the foreground (exiting with its code) or detached.",
        discussion: """
        The image is unpacked once into DATA/rootfs (by layer ChainID) and each run gets an overlay on it, \
        so a second run of the same image unpacks nothing. The container lives in DATA/containers/ID.
        In the foreground, output is the container's; SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 are \
        forwarded to it, and SIGTERM stops it (the image's StopSignal, then SIGKILL after --stop-timeout); \
        the container is removed afterwards. With --detach, the id is printed once the container runs; a \
        supervisor process keeps its output in its log and records its exit (klein container list, logs, \
        stop, rm). A failure of the OCI runtime itself exits with 125, never a container's code.
        Examples:
          klein run ./images:web --manifest klein.platform.toml
          klein run -d ./images:web --stop-timeout 30
          klein run -i -t ./images:tools
          klein run 3f2a9c --node /etc/klein/node.toml --runtime crun
        """
    )
    @OptionGroup var options: RunTargetOptions
    @Option(help: "runc, crun or a path (default: node.toml's runtime, else the first of runc and crun on PATH).") var runtime: String?
    @Flag(name: [.short, .long], help: "Run in the background: print the container's id once it runs; its output goes to its log.") var detach = false
    @Flag(name: [.short, .long], help: "Keep standard input open to the container (foreground only).") var interactive = false
    @Flag(name: [.short, .long], help: "Give the process a terminal (foreground only); with -i, a terminal on standard input is put in raw mode.") var tty = false
    @Option(help: "Seconds a stop waits after the image's StopSignal before SIGKILL.") var stopTimeout = 10

    func validate() throws {
        if detach && (interactive || tty) { throw ValidationError("--detach cannot be combined with --interactive or --tty: a detached container has no terminal") }
        if stopTimeout < 0 { throw ValidationError("--stop-timeout must be 0 or more seconds") }
    }

    func run() async throws {
        let node = try options.nodeRuntime()
        var settings = RunOptions()
        settings.runtime = runtime
        settings.interactive = interactive
        settings.tty = tty
        settings.stopTimeout = .seconds(stopTimeout)
        let bundler = try await options.withWorkload { try await node.bundler(for: $0) }
        do {
            if detach {
                print(try await node.runDetached(bundler, options: settings, warn: warn))
                return
            }
            let code = try await node.run(bundler, options: settings, warn: warn)
            throw ExitCode(code)
        } catch let error as RuntimeError {
            // The runtime's own failure must not look like a container's exit code.
            guard case .runtime = error else { throw error }
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw ExitCode(125)
        }
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

struct RootfsPrune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove unpacked images no running container uses, and leftovers of interrupted unpacks and runs.",
        discussion: """
        First the containers of foreground runs killed with SIGKILL are killed and removed (as the next \
        klein run does). A tree that a mounted overlay uses as its lower directory stays; runs starting \
        meanwhile wait. \
        The next run of a removed image unpacks it again.
        Example:
          klein rootfs prune --data /var/lib/klein
        """
    )
    @OptionGroup var dataOption: DataOption

    func run() async throws {
        await (try NodeRuntime.local(data: dataOption.directory)).collect()
        let removed = try RootfsCache(directory: "\(dataOption.directory)/rootfs").prune()
        removed.forEach { print("removed \($0)") }
        print("\(removed.count) removed")
    }
}
