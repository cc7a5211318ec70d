import Foundation
import KleinOCI
import KleinStore
import Synchronization
import Testing
@testable import KleinClient

/// A lower failure reaches the caller as a typed case that says whether another attempt may cure it:
/// a refused connection is a retryable transport failure, a 503 is retried and stays retryable, a 404
/// is final and asked once, a store failure keeps its `StoreError`.
@Suite struct ErrorClassificationTests {
    static var quickRetries: ClientOptions {
        var options = ClientOptions()
        options.retry = RetryPolicy(attempts: 3, initialDelay: .milliseconds(1), maximumDelay: .milliseconds(2))
        return options
    }

    @Test func aRefusedConnectionIsARetryableTransportFailure() async throws {
        let port = try TinyRegistry.closedPort()
        let session = RegistrySession(options: Self.quickRetries)
        await #expect {
            try await session.client(for: "127.0.0.1:\(port)").ping()
        } throws: { error in
            guard case let .transport(failure) = error as? ClientError else { return false }
            return failure.stage == .connecting && failure.isRetryable && (error as! ClientError).isRetryable
                && failure.endpoint == "127.0.0.1:\(port)" && failure.description.contains("cannot reach")
        }
        await session.shutdown()
    }

    @Test func aBusyRegistryIsRetriedAndStaysRetryable() async throws {
        let registry = try TinyRegistry()
        defer { registry.stop() }
        let session = RegistrySession(options: Self.quickRetries)
        await #expect {
            _ = try await session.client(for: registry.host).manifest("app", reference: "busy")
        } throws: { error in
            guard case let .registry(_, _, status, _, _) = error as? ClientError else { return false }
            return status == 503 && (error as! ClientError).isRetryable
        }
        #expect(registry.requests(to: "/v2/app/manifests/busy") == 3, "every attempt was made")
        await session.shutdown()
    }

    @Test func aMissingManifestIsFinalAndAskedOnce() async throws {
        let registry = try TinyRegistry()
        defer { registry.stop() }
        let session = RegistrySession(options: Self.quickRetries)
        await #expect {
            _ = try await session.client(for: registry.host).manifest("app", reference: "missing")
        } throws: { error in
            guard case .notFound = error as? ClientError else { return false }
            return !(error as! ClientError).isRetryable
        }
        #expect(registry.requests(to: "/v2/app/manifests/missing") == 1)
        await session.shutdown()
    }

    @Test func statusesAreClassified() {
        func status(_ code: Int) -> ClientError { .registry(registry: "r", request: "GET x", status: code, code: nil, message: "") }
        #expect([429, 500, 502, 503, 504].allSatisfy { status($0).isRetryable })
        #expect(![400, 401, 403, 404, 416].contains { status($0).isRetryable })
        let mismatch = ClientError.verificationFailed(what: "blob", error: .digestMismatch(expected: Digest.of([1]), actual: Digest.of([2])))
        #expect(!mismatch.isRetryable)
        #expect(!ClientError.cancelled.isRetryable)
    }

    @Test func aStoreFailureThroughTheClientKeepsItsCase() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("klein-errors-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let layout = try OCILayout.create(at: path)
        await #expect {
            _ = try await Copier(from: layout, to: layout).copy("absent", tag: nil)
        } throws: { error in
            guard case let .store(.refNotFound(name, _)) = error as? ClientError else { return false }
            return name == "absent" && !(error as! ClientError).isRetryable
        }
    }

    @Test func aStreamCutOffIsARetryableTransportFailureNamingTheSource() {
        let error = ClientError.reading("peer 10.0.0.7", POSIXError(.ECONNRESET))
        guard case let .transport(failure) = error else {
            Issue.record("expected .transport, got \(error)")
            return
        }
        #expect(failure.stage == .receiving && failure.isRetryable && failure.underlying is POSIXError)
        #expect(error.description.hasPrefix("peer 10.0.0.7: transfer interrupted:"), "\(error)")
        guard case .cancelled = ClientError.reading("peer", CancellationError()) else {
            Issue.record("a cancelled read is .cancelled")
            return
        }
    }
}

/// A registry on a loopback port that answers `/v2/` with 200, `busy` manifests with 503 and every
/// other path with a distribution-spec 404, one request per connection.
final class TinyRegistry: @unchecked Sendable {
    let port: UInt16
    private let socket: Int32
    private let counts = Mutex<[String: Int]>([:])

    var host: String { "127.0.0.1:\(port)" }

    init() throws {
        (socket, port) = try Self.listen()
        let socket = socket
        Thread.detachNewThread { [self] in
            while case let connection = accept(socket, nil, nil), connection >= 0 {
                answer(connection)
                close(connection)
            }
        }
    }

    func stop() {
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }

    func requests(to path: String) -> Int { counts.withLock { $0[path] ?? 0 } }

    private func answer(_ connection: Int32) {
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !request.ends(with: Array("\r\n\r\n".utf8)) {
            let count = read(connection, &buffer, buffer.count)
            guard count > 0 else { return }
            request += buffer[..<count]
        }
        let line = String(decoding: request.prefix { $0 != 0x0D }, as: UTF8.self).split(separator: " ")
        let path = line.count > 1 ? String(line[1]) : ""
        counts.withLock { $0[path, default: 0] += 1 }
        let (status, body): (String, String) =
            switch path {
            case "/v2/": ("200 OK", "{}")
            case let path where path.hasSuffix("/busy"): ("503 Service Unavailable", #"{"errors":[{"code":"UNAVAILABLE","message":"busy"}]}"#)
            default: ("404 Not Found", #"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#)
            }
        let response = "HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        _ = Array(response.utf8).withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
    }

    /// A listening socket on a free loopback port.
    static func listen() throws -> (Int32, UInt16) {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(socket, address, length) == 0 && Glibc.listen(socket, 16) == 0 && getsockname(socket, address, &length) == 0
            }
        }
        guard socket >= 0, bound else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        return (socket, UInt16(bigEndian: address.sin_port))
    }

    /// A loopback port nothing listens on: bound, then closed.
    static func closedPort() throws -> UInt16 {
        let (socket, port) = try listen()
        close(socket)
        return port
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
