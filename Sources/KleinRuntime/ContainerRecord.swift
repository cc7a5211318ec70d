import KleinOCI

/// What Klein keeps about one container in `DATA/containers/ID/container.json`: enough for any later
/// `klein` process (or a restarted agent) to find, stop and remove it, whoever started it.
public struct ContainerRecord: Sendable, Hashable {
    /// The container's id, also its runtime id and its directory's name.
    public let id: String
    /// The image manifest it runs.
    public let image: Digest
    /// When it was created, in seconds since the epoch.
    public let created: Int64
    /// Run detached (its shim supervises it, its output goes to its log), or in the foreground
    /// (the `klein run` that started it supervises it).
    public let detached: Bool
    /// What `stop` sends first: the image's StopSignal, else SIGTERM.
    public let stopSignal: Int32
    /// How long `stop` waits after `stopSignal` before SIGKILL, in milliseconds.
    public let stopTimeoutMilliseconds: Int64
    /// The OCI runtime's executable.
    public let runtime: String
    /// The process that supervises it (`klein run`, or the shim of a detached run); nil until known.
    public var supervisor: ProcessIdentity?

    /// A record of a container about to be created.
    public init(id: String, image: Digest, created: Int64, detached: Bool, stopSignal: Int32, stopTimeoutMilliseconds: Int64,
                runtime: String, supervisor: ProcessIdentity?) {
        self.id = id
        self.image = image
        self.created = created
        self.detached = detached
        self.stopSignal = stopSignal
        self.stopTimeoutMilliseconds = stopTimeoutMilliseconds
        self.runtime = runtime
        self.supervisor = supervisor
    }

    /// The record as canonical JSON.
    var jsonValue: JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(id), "image": .string(image.description), "created": .integer(created), "detached": .bool(detached),
            "stopSignal": .integer(Int64(stopSignal)), "stopTimeoutMilliseconds": .integer(stopTimeoutMilliseconds), "runtime": .string(runtime),
        ]
        if let supervisor {
            object["supervisor"] = .object(["pid": .integer(Int64(supervisor.pid)), "started": .integer(Int64(supervisor.started))])
        }
        return .object(object)
    }

    /// Decodes a record; nil when a field is missing or wrong.
    init?(json value: JSONValue) {
        guard let object = value.objectValue, let id = object["id"]?.stringValue,
              let image = object["image"]?.stringValue.flatMap({ try? Digest($0) }), let created = object["created"]?.int64Value,
              case let .bool(detached)? = object["detached"], let signal = object["stopSignal"]?.int64Value,
              let timeout = object["stopTimeoutMilliseconds"]?.int64Value, let runtime = object["runtime"]?.stringValue else { return nil }
        var supervisor: ProcessIdentity?
        if let process = object["supervisor"]?.objectValue, let pid = process["pid"]?.int64Value, let started = process["started"]?.int64Value {
            supervisor = ProcessIdentity(pid: Int32(pid), started: UInt64(started))
        }
        self.init(id: id, image: image, created: created, detached: detached, stopSignal: Int32(signal), stopTimeoutMilliseconds: timeout,
                  runtime: runtime, supervisor: supervisor)
    }
}
