import Foundation
import Testing

/// The registries the conformance suite runs against: Klein's `klein serve`, and CNCF Distribution 2.8
/// (`docker-registry`) as the reference that keeps the tests honest about the spec.
enum RegistryKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case klein, distribution

    var testDescription: String { rawValue }
}

/// One running registry on 127.0.0.1 with its own empty storage directory, stopped by `with`.
final class RegistryUnderTest {
    struct Options: Sendable {
        /// Deletion of manifests, tags and blobs (`klein serve --no-delete`; Distribution's `storage.delete.enabled`).
        var deleteEnabled = true
        /// `klein serve --max-manifest-size`; Klein only (Distribution's limit is fixed at 4 MiB).
        var maxManifestSize: Int? = nil

        static let standard = Options()
    }

    let kind: RegistryKind
    let base: URL
    /// `127.0.0.1:PORT`.
    var host: String { "\(base.host ?? "127.0.0.1"):\(base.port ?? 80)" }
    let http: RegistryHTTP
    private let server: Server
    private let scratch: Scratch

    /// The process behind a registry under test.
    private enum Server {
        case klein(KleinServe)
        case distribution(DistributionServer)
    }

    private init(_ server: Server, base: URL, scratch: Scratch) {
        switch server {
        case .klein: kind = .klein
        case .distribution: kind = .distribution
        }
        self.server = server
        self.base = base
        self.scratch = scratch
        http = RegistryHTTP(base: base, kind: kind)
    }

    /// Starts a fresh registry of `kind`, runs `body` against it, and always stops it. At most
    /// `RegistrySlots.limit` registries run at once, so a parallel test run does not starve them of CPU.
    static func with(
        _ kind: RegistryKind, _ options: Options = .standard,
        _ body: (RegistryUnderTest) async throws -> Void
    ) async throws {
        await RegistrySlots.shared.acquire()
        do {
            let registry = try await start(kind, options)
            defer { registry.stop() }
            try await body(registry)
        } catch {
            await RegistrySlots.shared.release()
            throw error
        }
        await RegistrySlots.shared.release()
    }

    /// Stops the server: SIGTERM, then SIGKILL if it has not exited within ten seconds (a failure for Klein,
    /// which promises to stop on SIGTERM, as is exiting before `stop`).
    func stop() {
        http.invalidate()
        switch server {
        case .klein(let klein):
            guard klein.isRunning else {
                Issue.record("klein serve exited during the test: \(klein.log)")
                return
            }
            klein.stop(timeout: 10)
        case .distribution(let distribution):
            distribution.stop()
        }
    }

    /// The server's log so far, for failure messages: Klein's stderr, Distribution's stdout and stderr.
    var log: String {
        switch server {
        case .klein(let klein): klein.log
        case .distribution(let distribution): distribution.log
        }
    }

    private static func start(_ kind: RegistryKind, _ options: Options) async throws -> RegistryUnderTest {
        switch kind {
        case .klein: try await startKlein(options)
        case .distribution: try await startDistribution(options)
        }
    }

    /// `klein serve` as `KleinServe` starts it, with `options` as flags.
    private static func startKlein(_ options: Options) async throws -> RegistryUnderTest {
        var arguments: [String] = []
        if !options.deleteEnabled { arguments.append("--no-delete") }
        if let size = options.maxManifestSize { arguments += ["--max-manifest-size", String(size)] }
        let scratch = try Scratch()
        let klein = try await KleinServe.start(scratch: scratch, arguments: arguments, timeout: 60)
        return RegistryUnderTest(.klein(klein), base: klein.base, scratch: scratch)
    }

    /// `docker-registry serve` on a free port, ready once `GET /v2/` answers.
    private static func startDistribution(_ options: Options) async throws -> RegistryUnderTest {
        let scratch = try Scratch()
        let distribution = try await DistributionServer.start(scratch: scratch, deleteEnabled: options.deleteEnabled)
        let base = try #require(URL(string: "http://\(distribution.host)"))
        return RegistryUnderTest(.distribution(distribution), base: base, scratch: scratch)
    }
}

/// A counting semaphore bounding how many registries run at once.
actor RegistrySlots {
    static let shared = RegistrySlots()
    static let limit = max(4, 2 * ProcessInfo.processInfo.activeProcessorCount)

    private var available = RegistrySlots.limit
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            available += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}

struct ServerDidNotStart: Error, CustomStringConvertible {
    let command: String
    let output: String
    var description: String { "registry did not start: \(command)\n\(output)" }
}

struct NoFreePort: Error, CustomStringConvertible {
    let errno: Int32
    var description: String { "no free port on 127.0.0.1 (errno \(errno))" }
}
