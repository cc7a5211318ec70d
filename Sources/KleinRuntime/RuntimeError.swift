import KleinArchive
import KleinClient
import KleinOCI
import KleinPlatform
import KleinStore
import KleinSystem

/// Errors raised while turning an image into a bundle and running it. Each names the input at fault.
public enum RuntimeError: Error, Sendable, CustomStringConvertible {
    /// The image cannot be converted (image-spec conversion.md): no process, a user that does not exist, …
    case image(String)
    /// Image data that tries to reach outside what it may (host paths, `/proc`, symlinked mountpoints).
    case unsafeImage(String)
    /// The deployment settings cannot be applied on this node (a missing secret, too few GPUs, …).
    case deployment(String)
    /// The node configuration is wrong (a GPU path that is not a device, …).
    case node(String)
    /// The OCI runtime itself failed: it cannot be started, or `create`, `start`, `kill` failed.
    /// Never a container's exit code: `klein run` exits with 125 for it.
    case runtime(String)
    /// A container named by the user does not exist, or is not in a state the request needs.
    case container(String)
    /// Unpacking failed.
    case archive(ArchiveError)
    /// The node's store failed.
    case store(StoreError)
    /// An image, index or config does not decode.
    case oci(OCIError)
    /// Fetching the image failed.
    case client(ClientError)
    /// A release's platform manifest is not valid.
    case platform(PlatformError)
    /// A file or process operation through `KleinSystem` failed.
    case system(SystemError)
    /// A system call failed on `path`.
    case io(path: String, operation: String, errno: Int32)

    /// The error for people: what failed, on which input, why.
    public var description: String {
        switch self {
        case let .image(message): "image: \(message)"
        case let .unsafeImage(message): "refusing the image: \(message)"
        case let .deployment(message): "deployment: \(message)"
        case let .node(message): "node configuration: \(message)"
        case let .runtime(message): "runtime: \(message)"
        case let .container(message): "container: \(message)"
        case let .archive(error): error.description
        case let .store(error): error.description
        case let .oci(error): error.description
        case let .client(error): error.description
        case let .platform(error): error.description
        case let .system(error): error.description
        case let .io(path, operation, code): "\(operation) \(path): \(String(cString: strerror(code)))"
        }
    }

    /// Runs `body`, turning the lower modules' errors into this one.
    static func wrap<T>(_ body: () throws -> T) throws(RuntimeError) -> T {
        do { return try body() } catch let error as RuntimeError { throw error } catch let error as ArchiveError { throw .archive(error) } catch let error as StoreError { throw .store(error) } catch let error as OCIError { throw .oci(error) } catch let error as ClientError { throw .client(error) } catch let error as PlatformError { throw .platform(error) } catch let error as SystemError { throw .system(error) } catch {
            throw .runtime("\(error)")
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
