import ArgumentParser
import Foundation
import KleinOCI
import KleinPlatform
import KleinRuntime

/// `klein container …`: the containers `klein run` made, in DATA/containers.
struct ContainerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "container",
        abstract: "List, follow, stop and remove the containers klein run made (DATA/containers).",
        subcommands: [ContainerList.self, ContainerLogs.self, ContainerStop.self, ContainerRemove.self]
    )
}

extension NodeRuntime {
    /// Stage 2 on this machine for commands that only manage containers: the default node, and
    /// detached containers supervised by this executable's hidden `container-shim` command.
    static func local(data: String, node: String? = nil) throws -> NodeRuntime {
        var runtime = NodeRuntime(dataDirectory: absolutePath(data), node: try NodeFile.load(node, dataDirectory: data))
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let data = absolutePath(data)
        runtime.supervisorCommand = { id, adopt in [executable, "container-shim", "--data", data] + (adopt ? ["--adopt"] : []) + [id] }
        return runtime
    }

    private static func absolutePath(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }
}

struct ContainerList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List containers: id, image, created, status (running, exited (N), …).",
        discussion: """
        Containers stay listed after they end until `klein container rm`. A detached container whose \
        supervisor was killed is re-adopted through its runtime's state first; a foreground run killed \
        with SIGKILL has its container removed.
        Example:
          klein container list --data /var/lib/klein
        """,
        aliases: ["ls", "ps"]
    )
    @OptionGroup var dataOption: DataOption
    @OptionGroup var output: JSONOption

    func run() async throws {
        let node = try NodeRuntime.local(data: dataOption.directory)
        await node.collect()
        let listings = await node.listContainers()
        if output.json {
            let values: [JSONValue] = listings.map { listing in
                var object: [String: JSONValue] = [
                    "id": .string(listing.record.id), "image": .string(listing.record.image.description),
                    "created": .integer(listing.record.created), "detached": .bool(listing.record.detached),
                    "status": .string(listing.status.description),
                ]
                if case let .ended(.ended(exit)) = listing.status { object["exitCode"] = .integer(Int64(exit.code)) }
                if case let .running(pid, _) = listing.status { object["pid"] = .integer(Int64(pid)) }
                return .object(object)
            }
            FileHandle.standardOutput.write(Data(JSONValue.array(values).canonicalBytes + [0x0a]))
            return
        }
        print("ID                      IMAGE         CREATED               STATUS")
        let formatter = ISO8601DateFormatter()
        for listing in listings {
            let created = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(listing.record.created)))
            let id = listing.record.id.padding(toLength: 22, withPad: " ", startingAt: 0)
            print("\(id)  \(listing.record.image.encoded.prefix(12))  \(created)  \(listing.status)")
        }
    }
}

struct ContainerLogs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print a detached container's output (DATA/containers/ID/log).",
        discussion: """
        ID is a container id or a prefix naming one container. With --follow, new output is printed as \
        it is written until the container ends.
        Example:
          klein container logs -f 3f2a
        """
    )
    @Argument(help: "The container (its id, or a prefix of it).") var id: String
    @Flag(name: [.short, .long], help: "Keep printing new output until the container ends.") var follow = false
    @OptionGroup var dataOption: DataOption

    func run() async throws {
        let node = try NodeRuntime.local(data: dataOption.directory)
        let record = try node.containers.resolve(id)
        guard record.detached else { throw CLIError("\(record.id) runs in the foreground: its output is its klein run's own") }
        guard let log = FileHandle(forReadingAtPath: node.containers.logPath(of: record.id)) else {
            throw CLIError("\(record.id) has no log yet (\(node.containers.logPath(of: record.id)))")
        }
        while true {
            let chunk = log.readData(ofLength: 1 << 16)
            if !chunk.isEmpty {
                FileHandle.standardOutput.write(chunk)
                continue
            }
            guard follow else { return }
            if await node.hasEnded(record) {
                let rest = log.readDataToEndOfFile()
                if !rest.isEmpty { FileHandle.standardOutput.write(rest) }
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}

struct ContainerStop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop containers: the image's StopSignal (default SIGTERM), then SIGKILL after a timeout.",
        discussion: """
        The timeout is the container's --stop-timeout (default 10 s) unless --timeout is given, so a \
        process that ignores its stop signal (as busybox httpd ignores SIGTERM as PID 1) still stops. \
        A container that is not running is left as it is. Prints each id and how it ended.
        Example:
          klein container stop 3f2a --timeout 5
        """
    )
    @Argument(help: "The containers (ids, or prefixes naming one each).") var ids: [String]
    @Option(help: "Seconds to wait after the stop signal before SIGKILL (default: the container's --stop-timeout).") var timeout: Int?
    @OptionGroup var dataOption: DataOption

    func validate() throws {
        if ids.isEmpty { throw ValidationError("name at least one container") }
        if let timeout, timeout < 0 { throw ValidationError("--timeout must be 0 or more seconds") }
    }

    func run() async throws {
        let node = try NodeRuntime.local(data: dataOption.directory)
        try await eachContainer(ids) { id in
            let stopped = try await node.stop(id, timeout: timeout.map { .seconds($0) })
            print("\(stopped.record.id) \(stopped.status)")
        }
    }
}

struct ContainerRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Remove containers: their runtime state, bundle, writable layer and log.",
        discussion: """
        A running container is refused unless --force, which kills it first.
        Example:
          klein container rm 3f2a
        """
    )
    @Argument(help: "The containers (ids, or prefixes naming one each).") var ids: [String]
    @Flag(name: [.short, .long], help: "Kill a running container first.") var force = false
    @OptionGroup var dataOption: DataOption

    func validate() throws {
        if ids.isEmpty { throw ValidationError("name at least one container") }
    }

    func run() async throws {
        let node = try NodeRuntime.local(data: dataOption.directory)
        try await eachContainer(ids) { id in print(try await node.remove(id, force: force)) }
    }
}

/// Runs `body` for each container id; a failure is reported and the rest still done (as `docker stop`
/// and `docker rm` do), and the command fails at the end if any did.
private func eachContainer(_ ids: [String], _ body: (String) async throws -> Void) async throws {
    var failed = false
    for id in ids {
        do { try await body(id) } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            failed = true
        }
    }
    if failed { throw ExitCode.failure }
}

/// The supervisor of a detached container: `klein run -d` starts it as a process of its own.
struct ContainerShim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "container-shim",
        abstract: "Supervise a detached container (started by klein run -d; not for direct use).",
        shouldDisplay: false
    )
    @Argument(help: "The container's id.") var id: String
    @Flag(help: "Follow a container whose supervisor was killed.") var adopt = false
    @OptionGroup var dataOption: DataOption

    func run() async throws {
        let node = try NodeRuntime.local(data: dataOption.directory)
        throw ExitCode(await node.supervise(id: id, adopt: adopt))
    }
}
