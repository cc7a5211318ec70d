import KleinOCI
import KleinSystem

/// Errors raised by KleinArchive. Each names the entry, layer or stream involved and the reason.
public enum ArchiveError: Error, Sendable, CustomStringConvertible {
    /// A tar stream that does not parse; `offset` is the byte offset of the header or data at fault.
    case corruptTar(offset: Int64, reason: String)
    /// A valid tar feature Klein does not accept (e.g. an unsupported sparse format).
    case unsupportedTar(entry: String, reason: String)
    /// An entry the tar writer cannot represent (name, size, id out of range).
    case invalidEntry(name: String, reason: String)
    /// A compressed stream that fails to compress or decompress.
    case compression(codec: String, reason: String)
    /// A system call failed on `path`.
    case io(path: String, operation: String, errno: Int32)
    /// A file operation through `KleinSystem` failed.
    case system(SystemError)
    /// A layer entry that would touch something outside the root, or is otherwise unsafe to apply.
    case unsafeEntry(layer: Int, entry: String, reason: String)
    /// A layer entry that cannot be applied (bad whiteout, hardlink to a missing target, …).
    case invalidLayerEntry(layer: Int, entry: String, reason: String)
    /// A layer whose compressed or uncompressed digest is not the expected one.
    case layerDigestMismatch(layer: Int, what: String, expected: Digest, actual: Digest)
    /// A stream that grew past a configured limit (decompression bombs, oversized headers, entry counts).
    case limitExceeded(what: String, limit: Int64)
    /// A stream failure (truncation, corruption, a limit) while applying layer `index`.
    indirect case inLayer(index: Int, error: ArchiveError)
    /// The stage a layer is written to (a file, the blob store) failed.
    case destination(what: String, reason: String)
    /// A path inside a root file system that cannot be used as asked (through a symlink, not a regular file, …).
    case unsafePath(path: String, reason: String)

    /// The error as one line for people: what failed, where, and why.
    public var description: String {
        switch self {
        case let .corruptTar(offset, reason):
            return "corrupt tar stream at byte \(offset): \(reason)"
        case let .unsupportedTar(entry, reason):
            return "unsupported tar entry \"\(entry)\": \(reason)"
        case let .invalidEntry(name, reason):
            return "cannot archive \"\(name)\": \(reason)"
        case let .compression(codec, reason):
            return "\(codec) stream: \(reason)"
        case let .io(path, operation, errno):
            return "\(operation) \(path): \(String(cString: strerror(errno)))"
        case let .system(error):
            return error.description
        case let .unsafeEntry(layer, entry, reason):
            return "layer \(layer): refusing entry \"\(entry)\": \(reason)"
        case let .invalidLayerEntry(layer, entry, reason):
            return "layer \(layer): invalid entry \"\(entry)\": \(reason)"
        case let .layerDigestMismatch(layer, what, expected, actual):
            return "layer \(layer): \(what) digest mismatch: expected \(expected), got \(actual)"
        case let .limitExceeded(what, limit):
            return "\(what) exceeds its limit of \(limit)"
        case let .inLayer(index, error):
            return "layer \(index): \(error)"
        case let .destination(what, reason):
            return "writing to \(what): \(reason)"
        case let .unsafePath(path, reason):
            return "\(path) \(reason)"
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
