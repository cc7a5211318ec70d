import AsyncHTTPClient
import Foundation
import KleinOCI
import KleinStore
import NIOCore
import NIOHTTP1

/// Called with the number of bytes just moved.
public typealias ProgressHandler = @Sendable (Int64) -> Void

extension RegistryClient {
    /// HEADs a blob: its size when the repository has it, nil when not.
    public func blobSize(_ repository: String, digest: Digest) async throws(ClientError) -> Int64? {
        let request = RegistryRequest(.HEAD, .path("/v2/\(repository)/blobs/\(digest)"), scopes: [Scope.pull(repository)],
                                      summary: "HEAD blob \(repository)@\(digest)")
        let response = try await send(request)
        if response.status == .notFound { return nil }
        guard response.status == .ok else { throw await failure(response, request) }
        return response.headers.first(name: "Content-Length").flatMap { Int64($0) } ?? -1
    }

    /// GETs a blob from `offset` on (a `Range` request when it is not 0). The status is 200 or 206.
    func blobResponse(_ repository: String, digest: Digest, offset: Int64) async throws(ClientError) -> HTTPClientResponse {
        var request = RegistryRequest(.GET, .path("/v2/\(repository)/blobs/\(digest)"), scopes: [Scope.pull(repository)],
                                      summary: "GET blob \(repository)@\(digest)")
        if offset > 0 { request.headers.add(name: "Range", value: "bytes=\(offset)-") }
        let response = try await send(request)
        guard response.status == .ok || response.status == .partialContent else {
            throw await failure(response, request, notFound: "blob \(registry)/\(repository)@\(digest)")
        }
        return response
    }

    /// Streams a blob into `store`, verifying digest and size; a broken connection resumes with a `Range`
    /// request from the bytes already written (or restarts when the registry ignores ranges).
    public func download(_ repository: String, _ descriptor: Descriptor, into store: BlobStore, progress: ProgressHandler? = nil) async throws(ClientError) {
        var writer = try Self.storeCall { () throws(StoreError) in try store.writer(expecting: descriptor.digest, size: descriptor.size) }
        var attempt = 1
        while true {
            let offset = writer.count
            let response = try await blobResponse(repository, digest: descriptor.digest, offset: offset)
            if offset > 0 && response.status == .ok {
                progress?(-offset)
                writer = try Self.storeCall { () throws(StoreError) in try store.writer(expecting: descriptor.digest, size: descriptor.size) }
            }
            do {
                for try await buffer in response.body {
                    try buffer.withUnsafeReadableBytes { bytes in try Self.storeCall { () throws(StoreError) in try writer.write(bytes) } }
                    progress?(Int64(buffer.readableBytes))
                }
            } catch let error as ClientError {
                throw error
            } catch {
                let failure = TransportError(endpoint: registry, request: "GET blob \(repository)@\(descriptor.digest)", stage: .receiving, underlying: error)
                guard failure.isRetryable, attempt < options.retry.attempts else { throw .transport(failure) }
                try await options.retry.pause(afterAttempt: attempt)
                attempt += 1
                continue
            }
            _ = try Self.storeCall { () throws(StoreError) in try writer.commit() }
            return
        }
    }

    /// Asks the registry to link a blob from another repository (distribution-spec, "Mounting a blob from
    /// another repository"). Returns true when mounted; otherwise nothing is left behind.
    public func mount(_ repository: String, digest: Digest, from source: String) async throws(ClientError) -> Bool {
        let request = RegistryRequest(.POST, .path("/v2/\(repository)/blobs/uploads/?mount=\(digest)&from=\(source)"),
                                      scopes: [Scope.push(repository), Scope.pull(source)], summary: "mount blob \(digest) from \(source) into \(repository)")
        let response = try await send(request)
        if response.status == .created || response.status == .accepted {
            await response.discardBody()
        }
        if response.status == .created { return true }
        if response.status == .accepted, let location = response.headers.first(name: "Location") {
            // The registry opened an ordinary upload instead; it is not needed.
            let cancel = RegistryRequest(.DELETE, .location(location), scopes: [Scope.push(repository)], summary: "cancel upload in \(repository)")
            if let answer = try? await send(cancel) { await answer.discardBody() }
            return false
        }
        if response.status == .notFound || response.status == .unauthorized || response.status == .forbidden {
            await response.discardBody()
            return false
        }
        throw await failure(response, request)
    }

    /// Opens an upload session and returns its location (distribution-spec, "Pushing blobs").
    func startUpload(_ repository: String) async throws(ClientError) -> String {
        let request = RegistryRequest(.POST, .path("/v2/\(repository)/blobs/uploads/"), scopes: [Scope.push(repository)],
                                      summary: "start upload in \(repository)")
        let response = try await send(request)
        guard response.status == .accepted, let location = response.headers.first(name: "Location") else {
            throw await failure(response, request)
        }
        await response.discardBody()
        return RegistryRequest.Target.location(location).url(relativeTo: try await ping() + "/v2/")
    }

    /// `location` with `digest` added to its query, for the closing PUT.
    static func closing(_ location: String, digest: Digest) -> String {
        location + (location.contains("?") ? "&" : "?") + "digest=\(digest)"
    }

    /// Finishes an upload session with a PUT carrying `body` (or nothing) and checks the registry's answer.
    func finishUpload(_ repository: String, location: String, descriptor: Descriptor,
                      body: (@Sendable () -> HTTPClientRequest.Body)?, replayable: Bool) async throws(ClientError) {
        var request = RegistryRequest(.PUT, .location(Self.closing(location, digest: descriptor.digest)), scopes: [Scope.push(repository)],
                                      summary: "PUT blob \(repository)@\(descriptor.digest)")
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        if body == nil { request.headers.add(name: "Content-Length", value: "0") }
        request.body = body
        request.replayable = replayable
        request.timeout = .seconds(3600)
        let response = try await send(request)
        guard response.status == .created else { throw await failure(response, request) }
        await response.discardBody()
        if let stored = response.headers.first(name: "Docker-Content-Digest").flatMap({ try? Digest($0) }), stored != descriptor.digest {
            throw .protocolViolation(registry: registry, reason: "\(request.summary): stored as \(stored)")
        }
    }

    /// Wraps a store call so its typed error becomes a `ClientError`.
    static func storeCall<T>(_ body: () throws(StoreError) -> T) throws(ClientError) -> T {
        do { return try body() } catch { throw .store(error) }
    }
}
