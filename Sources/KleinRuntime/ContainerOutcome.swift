import KleinOCI
import KleinSystem

/// How a container's process ended, as its supervisor recorded it in `exit.json`: its exit, or
/// `unknown` when the supervisor that was its parent had gone (the container was re-adopted), with
/// the reason.
public enum ContainerOutcome: Sendable, Hashable, CustomStringConvertible {
    /// Ended so.
    case ended(ProcessTermination)
    /// Ended; how is not known, for this reason.
    case unknown(String)

    /// `exited (3)`, `killed by signal 9`, or `exited (status unknown: …)`.
    public var description: String {
        switch self {
        case let .ended(.exited(status)): "exited (\(status))"
        case let .ended(.signalled(signal)): "killed by signal \(signal)"
        case let .unknown(reason): "exited (status unknown: \(reason))"
        }
    }

    var jsonValue: JSONValue {
        switch self {
        case let .ended(.exited(status)): .object(["exited": .integer(Int64(status))])
        case let .ended(.signalled(signal)): .object(["signalled": .integer(Int64(signal))])
        case let .unknown(reason): .object(["unknown": .string(reason)])
        }
    }

    init?(json value: JSONValue) {
        guard let object = value.objectValue else { return nil }
        if let status = object["exited"]?.int64Value {
            self = .ended(.exited(Int32(status)))
        } else if let signal = object["signalled"]?.int64Value {
            self = .ended(.signalled(Int32(signal)))
        } else if let reason = object["unknown"]?.stringValue {
            self = .unknown(reason)
        } else {
            return nil
        }
    }
}
