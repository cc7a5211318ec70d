import HTTPTypes
import KleinOCI
import KleinStore
import NIOCore

extension RegistryService {
    /// end-4a, end-4b, end-11: `POST /v2/<name>/blobs/uploads/` starts a session, uploads a whole blob
    /// with `?digest=`, or mounts one with `?mount=&from=` (falling back to a session when the source
    /// repository does not have the blob or may not be read).
    func startUpload(in name: String, request: RegistryRequest, body: BodyReader) async throws -> RegistryResponse {
        if let mount = request.query("mount"), let source = request.query("from") {
            if let digest = try? Digest(mount), Reference.isValidRepository(source), await access.mayPull(source, request: request),
               let _ = try await metadata.mountBlob(digest, from: source, into: name) {
                return blobCreated(digest, in: name)
            }
        }
        let id = UploadSessions.newID()
        try await uploads.create(id: id, repository: name)
        try await metadata.addUpload(UploadRecord(id: id, repository: name, created: Self.now()))
        if let digestText = request.query("digest") {
            return try await withSession(id, in: name) { state in
                try await receive(body, into: state)
                return try await complete(state, digestText: digestText, in: name)
            }
        }
        return sessionResponse(.accepted, id: id, in: name, size: 0)
    }

    /// end-5: `PATCH` appends the body, streamed or as a chunk whose `Content-Range` must start
    /// where the session ends (416 otherwise).
    func patchUpload(_ id: String, in name: String, request: RegistryRequest, body: BodyReader) async throws -> RegistryResponse {
        try await withSession(id, in: name) { state in
            try await receive(body, into: state, declared: try declaredChunk(request, state: state))
            return sessionResponse(.accepted, id: id, in: name, size: state.size)
        }
    }

    /// end-6: `PUT ?digest=` appends an optional last chunk, verifies the whole blob and publishes it.
    func finishUpload(_ id: String, in name: String, request: RegistryRequest, body: BodyReader) async throws -> RegistryResponse {
        try await withSession(id, in: name) { state in
            guard let digestText = request.query("digest") else {
                throw RegistryError.digestInvalid("", "the digest query parameter is required to finish an upload")
            }
            try await receive(body, into: state, declared: try declaredChunk(request, state: state))
            return try await complete(state, digestText: digestText, in: name)
        }
    }

    /// end-13: `GET` on a session reports how much has arrived (204).
    /// A request still holding the session (one whose client just went away, typically) gets up to
    /// `busyStatusWait` to let go, so that the client asking where to resume gets an answer.
    func uploadStatus(_ id: String, in name: String) async throws -> RegistryResponse {
        try await withSession(id, in: name, waitingIfBusy: Self.busyStatusWait) { state in
            sessionResponse(.noContent, id: id, in: name, size: state.size)
        }
    }

    /// `DELETE` on a session cancels it and drops its bytes.
    func cancelUpload(_ id: String, in name: String) async throws -> RegistryResponse {
        try await requireSession(id, in: name)
        try await metadata.removeUpload(id: id)
        await uploads.discard(id: id)
        return RegistryResponse(.noContent)
    }

    // MARK: Helpers

    /// Runs `body` with exclusive use of a session of repository `name`. A session is forgotten when the
    /// request finishes it or fails with a client error other than 416, as distribution-spec prescribes.
    private func withSession(_ id: String, in name: String, waitingIfBusy wait: Duration = .zero,
                             _ body: (UploadState) async throws -> RegistryResponse) async throws -> RegistryResponse {
        try await requireSession(id, in: name)
        let state: UploadState
        do {
            guard let acquired = try await acquireSession(id, in: name, waitingIfBusy: wait) else {
                try await metadata.removeUpload(id: id)
                throw RegistryError.uploadUnknown(id)
            }
            state = acquired
        } catch UploadSessions.Failure.busy {
            var response = RegistryResponse(error: RegistryError(.blobUploadInvalid, status: 416,
                "upload session \(id) is receiving another request; retry after it finishes"))
            response.headers[.location] = Self.sessionLocation(id, in: name)
            return response
        } catch let UploadSessions.Failure.io(error) {
            throw error
        }
        do {
            let response = try await body(state)
            let finished = response.status == .created
            await uploads.release(state, keep: !finished)
            return response
        } catch let error as RegistryError {
            let keep = error.status == 416
            let headers = sessionHeaders(id: id, in: name, size: state.size)
            await uploads.release(state, keep: keep)
            guard keep else {
                try await metadata.removeUpload(id: id)
                await uploads.discard(id: id)
                return RegistryResponse(error: error)
            }
            return RegistryResponse(error: error, headers: headers)
        } catch {
            await uploads.release(state, keep: true)
            throw error
        }
    }

    static let busyStatusWait: Duration = .seconds(5)

    /// `UploadSessions.acquire`, asking again every 20 ms while the session is busy, for up to `wait`.
    private func acquireSession(_ id: String, in name: String, waitingIfBusy wait: Duration) async throws -> UploadState? {
        let deadline = ContinuousClock.now + wait
        while true {
            let failure: UploadSessions.Failure
            do {
                return try await uploads.acquire(id: id, repository: name)
            } catch {
                failure = error
            }
            guard case .busy = failure, ContinuousClock.now < deadline else { throw failure }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Fails with `BLOB_UPLOAD_UNKNOWN` unless `id` is a well-formed session recorded for repository `name`.
    private func requireSession(_ id: String, in name: String) async throws {
        guard UploadSessions.isValidID(id), let record = try await metadata.upload(id: id), record.repository == name else {
            throw RegistryError.uploadUnknown(id)
        }
    }

    /// A chunk's `Content-Range` as the client sent it, and the length it declares.
    private struct DeclaredChunk {
        let header: String
        let length: Int64
    }

    /// The chunk a request's `Content-Range` declares, if it has one. A range that does not start where
    /// the session ends, or that a sized body does not fill exactly, is refused with 416 (end-5);
    /// `withSession` adds the session's `Location` and `Range`.
    private func declaredChunk(_ request: RegistryRequest, state: UploadState) throws -> DeclaredChunk? {
        guard let header = request.header(.contentRange) else { return nil }
        var text = Substring(header.trimmingCharacters(in: .whitespaces))
        if text.hasPrefix("bytes=") { text = text.dropFirst(6) } else if text.hasPrefix("bytes ") { text = text.dropFirst(6) }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        let lengthHeader = request.header(.contentLength).flatMap { Int64($0) }
        guard parts.count == 2, let first = Int64(parts[0]), let last = Int64(parts[1].split(separator: "/").first ?? ""),
              first == state.size, last >= first, lengthHeader.map({ $0 > 0 && $0 - 1 == last - first }) ?? true else {
            throw RegistryError(.blobUploadInvalid, status: 416,
                "Content-Range \"\(header)\" does not continue the upload, which holds \(state.size) bytes")
        }
        return DeclaredChunk(header: header, length: last - first + 1)
    }

    /// Streams a request body into a session. A body of unannounced length (chunked transfer coding)
    /// that is longer or shorter than its declared chunk is cut back out of the session and refused
    /// with 416, so the session holds what it held before the request.
    private func receive(_ body: BodyReader, into state: UploadState, declared: DeclaredChunk? = nil) async throws {
        let before = state.hasher
        var received: Int64 = 0
        while let buffer = try await body.next() {
            received += Int64(buffer.readableBytes)
            if let declared, received > declared.length { break }
            try buffer.withUnsafeReadableBytes { bytes in
                try Result { () throws(StoreError) in try state.append(bytes) }.get()
            }
        }
        guard let declared, received != declared.length else { return }
        try Result { () throws(StoreError) in try state.rollBack(to: before) }.get()
        let amount = received > declared.length ? "more than \(declared.length)" : "\(received)"
        throw RegistryError(.blobUploadInvalid, status: 416,
            "Content-Range \"\(declared.header)\" declares \(declared.length) bytes but the body held \(amount)")
    }

    /// Verifies a session against the client's digest, publishes it into the pool and links it.
    private func complete(_ state: UploadState, digestText: String, in name: String) async throws -> RegistryResponse {
        let expected = try Self.digest(digestText)
        let actual = expected.algorithm == state.hasher.algorithm
            ? state.hasher.finalize()
            : try FileHashing.digest(ofFileAt: state.path, algorithm: expected.algorithm).digest
        guard actual == expected else {
            throw RegistryError.digestInvalid(digestText, "the uploaded \(state.size) bytes have digest \(actual)")
        }
        try state.prepareToPublish()
        let pool = pool
        let path = state.path
        try await metadata.addBlob(expected, size: state.size, to: name, now: Self.now()) {
            try pool.adopt(fileAt: path, as: expected)
        }
        try await metadata.removeUpload(id: state.id)
        metrics.uploadCompleted(after: ContinuousClock.now - state.started)
        return blobCreated(expected, in: name)
    }

    private func blobCreated(_ digest: Digest, in name: String) -> RegistryResponse {
        RegistryResponse(.created, headers: [
            .location: "/v2/\(name)/blobs/\(digest)",
            .dockerContentDigest: digest.description,
        ])
    }

    private func sessionResponse(_ status: HTTPResponse.Status, id: String, in name: String, size: Int64) -> RegistryResponse {
        RegistryResponse(status, headers: sessionHeaders(id: id, in: name, size: size))
    }

    private func sessionHeaders(id: String, in name: String, size: Int64) -> HTTPFields {
        [
            .location: Self.sessionLocation(id, in: name),
            .range: "0-\(max(0, size - 1))",
            .dockerUploadUUID: id,
            .blobUploadSessionID: id,
        ]
    }

    static func sessionLocation(_ id: String, in name: String) -> String {
        "/v2/\(name)/blobs/uploads/\(id)"
    }
}
