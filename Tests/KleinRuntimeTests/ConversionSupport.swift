import Foundation
import KleinArchive
import KleinOCI
import KleinPlatform
import KleinRuntime
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The image configs and expected `config.json` documents in `Fixtures/`.
enum ConversionFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static func config(_ name: String) throws -> ImageConfiguration {
        try ImageConfiguration(jsonBytes: bytes("\(name).config.json"))
    }
}

/// One entry of a root file system a test builds; parents are created as needed (0755, root).
enum RootEntry: Sendable {
    case file(String, String, mode: UInt32 = 0o644)
    /// A file of `count` bytes of `x`.
    case filler(String, count: Int)
    case directory(String, uid: UInt32 = 0, gid: UInt32 = 0, mode: UInt32 = 0o755)
    case symlink(String, to: String)
    case fifo(String)
}

struct SetupError: Error, CustomStringConvertible {
    let description: String
}

/// An unpacked image's root file system in a fresh temporary directory, removed with the value.
final class TestRoot: Sendable {
    let path: String

    init(_ entries: [RootEntry]) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("klein-rootfs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for entry in entries { try add(entry) }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    private func add(_ entry: RootEntry) throws {
        switch entry {
        case let .file(relative, text, mode):
            let target = try prepare(relative)
            try Data(text.utf8).write(to: URL(fileURLWithPath: target))
            try check(chmod(target, mode_t(mode)), "chmod", target)
        case let .filler(relative, count):
            try Data(repeating: UInt8(ascii: "x"), count: count).write(to: URL(fileURLWithPath: try prepare(relative)))
        case let .directory(relative, uid, gid, mode):
            let target = try prepare(relative)
            try check(mkdir(target, 0o700), "mkdir", target)
            try check(chown(target, uid, gid), "chown", target)
            try check(chmod(target, mode_t(mode)), "chmod", target)
        case let .symlink(relative, destination):
            let target = try prepare(relative)
            try check(symlink(destination, target), "symlink", target)
        case let .fifo(relative):
            let target = try prepare(relative)
            try check(mkfifo(target, 0o644), "mkfifo", target)
        }
    }

    /// The absolute path of `relative`, its parent directories made.
    private func prepare(_ relative: String) throws -> String {
        let target = "\(path)/\(relative)"
        let parent = (target as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        return target
    }

    private func check(_ result: Int32, _ operation: String, _ target: String) throws {
        guard result == 0 else { throw SetupError(description: "\(operation) \(target): \(String(cString: strerror(errno)))") }
    }
}

/// What a conversion gave: a plan or the generator's error.
enum ConversionOutcome: Sendable {
    case plan(BundlePlan)
    case failure(RuntimeError)
}

/// Converts `config` over a freshly built root. The generator runs on a thread of its own and is given
/// `seconds` to finish: one that blocks (opening a FIFO, say) fails the test instead of stalling the run.
func convert(_ config: ImageConfiguration, rootfs: [RootEntry], deployment: Deployment = Deployment(),
             node: NodeConfiguration = ConversionDefaults.node, seconds: Double = 20) throws -> ConversionOutcome {
    let root = try TestRoot(rootfs)
    let path = root.path
    let result = Slot<Result<ConversionOutcome, SetupError>>()
    let done = DispatchSemaphore(value: 0)
    Thread {
        let outcome: Result<ConversionOutcome, SetupError>
        do {
            let contained = try ContainedRoot(path: path)
            do throws(RuntimeError) {
                outcome = .success(.plan(try SpecGenerator(config: config, root: contained, deployment: deployment, node: node).plan()))
            } catch {
                outcome = .success(.failure(error))
            }
        } catch {
            outcome = .failure(SetupError(description: "opening the root \(path): \(error)"))
        }
        result.value.withLock { $0 = outcome }
        done.signal()
    }.start()
    guard done.wait(timeout: .now() + seconds) == .success, let outcome = result.value.withLock({ $0 }) else {
        throw SetupError(description: "the conversion did not finish within \(Int(seconds)) s")
    }
    return try withExtendedLifetime(root) { try outcome.get() }
}

/// A value handed from the generator's thread to the test.
final class Slot<Value: Sendable>: Sendable {
    let value = Mutex<Value?>(nil)
}

enum ConversionDefaults {
    static let node = NodeConfiguration(platform: .host, volumesDirectory: "/srv/volumes", secretsDirectory: "/srv/secrets")

    static let passwd = """
        root:x:0:0:root:/root:/bin/sh
        daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
        www:x:33:33:www-data:/var/www:/usr/sbin/nologin
        app:x:1000:1000:App:/home/app:/bin/sh

        """

    static let group = """
        root:x:0:
        daemon:x:1:
        www:x:33:
        staff:x:50:app,www
        app:x:1000:

        """

    /// `/etc/passwd` and `/etc/group` with root, daemon, www (33) and app (1000); staff (50) lists app and www.
    static let accounts: [RootEntry] = [.file("etc/passwd", passwd), .file("etc/group", group)]

    static let defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// Deployment settings with what `configure` sets.
    static func deployment(_ configure: (inout Deployment) -> Void) -> Deployment {
        var deployment = Deployment()
        configure(&deployment)
        return deployment
    }

    /// An image config with only the execution parameters a test sets.
    static func image(_ configure: (inout ImageConfiguration.ExecutionConfig) -> Void) -> ImageConfiguration {
        var config = ImageConfiguration(architecture: "amd64", os: "linux")
        var execution = ImageConfiguration.ExecutionConfig()
        configure(&execution)
        config.config = execution
        return config
    }
}

/// Where two JSON values differ, one line per differing leaf, as `$.path: expected X, got Y`.
enum JSONDifferences {
    static func between(expected: JSONValue, actual: JSONValue, at path: String = "$") -> [String] {
        switch (expected, actual) {
        case let (.object(left), .object(right)):
            return Set(left.keys).union(right.keys).sorted().flatMap { key -> [String] in
                switch (left[key], right[key]) {
                case let (left?, right?): between(expected: left, actual: right, at: "\(path).\(key)")
                case let (left?, nil): ["\(path).\(key): expected \(text(left)), missing"]
                case let (nil, right?): ["\(path).\(key): not expected, got \(text(right))"]
                case (nil, nil): []
                }
            }
        case let (.array(left), .array(right)) where left.count == right.count:
            return zip(left, right).enumerated().flatMap { between(expected: $1.0, actual: $1.1, at: "\(path)[\($0)]") }
        default:
            return expected == actual ? [] : ["\(path): expected \(text(expected)), got \(text(actual))"]
        }
    }

    static func text(_ value: JSONValue) -> String { String(decoding: value.canonicalBytes, as: UTF8.self) }
}
