import AsyncHTTPClient
import KleinOCI
import KleinStore
import NIOCore
import NIOHTTP1

extension RegistryClient {
    /// Uploads a local file as `descriptor`. Small blobs go in one POST + PUT; blobs from
    /// `chunkSize` on go in `PATCH` chunks, and when a chunk fails the session is asked how
    /// much it holds (its `Range`) and the upload continues from there (distribution-spec, "Pushing a blob in chunks").
    public func upload(_ repository: String, _ descriptor: Descriptor, fromFile path: String, progress: ProgressHandler? = nil) async throws(ClientError) {
        if descriptor.size < options.chunkSize {
            try await options.retry.repeating { () async throws(ClientError) in
                let location = try await startUpload(repository)
                try await finishUpload(repository, location: location, descriptor: descriptor, body: {
                    .stream(FileChunks(path: path, offset: 0, length: descriptor.size), length: .known(descriptor.size))
                }, replayable: true)
            }
            progress?(descriptor.size)
            return
        }
        try await uploadInChunks(repository, descriptor, path: path, progress: progress)
    }

    private func uploadInChunks(_ repository: String, _ descriptor: Descriptor, path: String, progress: ProgressHandler?) async throws(ClientError) {
        var location = try await startUpload(repository)
        var offset: Int64 = 0
        var failures = 0
        while offset < descriptor.size {
            let length = min(options.chunkSize, descriptor.size - offset)
            var request = RegistryRequest(.PATCH, .location(location), scopes: [Scope.push(repository)],
                                          summary: "PATCH blob chunk \(offset)-\(offset + length - 1) of \(descriptor.digest) to \(repository)")
            request.headers.add(name: "Content-Type", value: "application/octet-stream")
            request.headers.add(name: "Content-Range", value: "\(offset)-\(offset + length - 1)")
            request.headers.add(name: "Content-Length", value: "\(length)")
            let chunkStart = offset
            request.body = { .stream(FileChunks(path: path, offset: chunkStart, length: length), length: .known(length)) }
            request.timeout = .seconds(3600)
            // The chunk itself is not re-sent blindly: after a failure the session says where to go on.
            request.replayable = false
            do throws(ClientError) {
                let response = try await send(request)
                guard response.status == .accepted, let next = response.headers.first(name: "Location") else {
                    throw await failure(response, request)
                }
                await response.discardBody()
                location = RegistryRequest.Target.location(next).url(relativeTo: location)
                offset += length
                progress?(length)
            } catch {
                failures += 1
                guard failures < options.retry.attempts, error.isRetryable || error.isRangeConflict else { throw error }
                try await options.retry.pause(afterAttempt: failures)
                let resumed = try await uploadStatus(repository, location: location)
                location = resumed.location
                progress?(resumed.offset - offset)
                offset = resumed.offset
            }
        }
        try await finishUpload(repository, location: location, descriptor: descriptor, body: nil, replayable: true)
    }

    /// Where an upload session stands: its location and the number of bytes it holds (from `Range: 0-N`).
    func uploadStatus(_ repository: String, location: String) async throws(ClientError) -> (location: String, offset: Int64) {
        let request = RegistryRequest(.GET, .location(location), scopes: [Scope.push(repository)], summary: "GET upload status in \(repository)")
        let response = try await send(request)
        guard response.status == .noContent || response.status == .ok else { throw await failure(response, request) }
        await response.discardBody()
        let next = response.headers.first(name: "Location").map { RegistryRequest.Target.location($0).url(relativeTo: location) } ?? location
        // `0-0` is what registries answer for an empty session as well as for one byte; chunks are never
        // one byte long, so it means nothing was kept.
        guard let range = response.headers.first(name: "Range"), range != "0-0", range != "bytes=0-0" else { return (next, 0) }
        let end = range.split(separator: "-").last.flatMap { Int64($0) }
        guard let end else { throw .protocolViolation(registry: registry, reason: "upload status has an unreadable Range \"\(range)\"") }
        return (next, end + 1)
    }

    /// Uploads a small blob held in memory: one POST and one PUT.
    func upload(_ repository: String, _ descriptor: Descriptor, bytes: [UInt8]) async throws(ClientError) {
        let location = try await startUpload(repository)
        try await finishUpload(repository, location: location, descriptor: descriptor, body: { .bytes(ByteBuffer(bytes: bytes)) }, replayable: true)
    }

    /// Uploads a blob streamed from elsewhere (another registry): one POST and one PUT carrying the stream.
    /// The stream cannot be replayed, so a failure ends the upload; the caller may start over.
    func upload(_ repository: String, _ descriptor: Descriptor, streaming body: @escaping @Sendable () -> HTTPClientRequest.Body) async throws(ClientError) {
        let location = try await startUpload(repository)
        try await finishUpload(repository, location: location, descriptor: descriptor, body: body, replayable: false)
    }
}

extension ClientError {
    /// The registry disagrees about where an upload stands (416): ask it and continue from its answer.
    var isRangeConflict: Bool {
        if case let .registry(_, _, status, _, _) = self { return status == 416 }
        return false
    }
}
