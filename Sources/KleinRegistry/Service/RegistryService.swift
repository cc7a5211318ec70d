import Foundation
import HTTPTypes
import KleinOCI
import KleinServer
import KleinStore
import KleinSystem
import Logging

/// The distribution-spec v1.1 registry: routes each request to its endpoint over one shared blob
/// pool (`<data>/blobs`), the upload directory (`<data>/uploads`) and the metadata database
/// (`<data>/metadata.sqlite`).
public final class RegistryService: Sendable {
    let configuration: RegistryConfiguration
    let metadata: any RegistryMetadata
    let pool: BlobStore
    let uploads: UploadSessions
    let access: AccessControl
    let metrics: RegistryMetrics
    let logger: Logger
    /// Where manifests are written before they are published into the pool.
    let scratch: String
    /// Bounds the manifest bytes held in memory by requests in flight.
    let bodyMemory: MemoryBudget

    /// A registry over `configuration.dataDirectory` (created when missing), opening its metadata database and loading
    /// its htpasswd and policy files and the token signing key (created when missing); throws when any of them cannot be created or read.
    public init(configuration: RegistryConfiguration, metrics: RegistryMetrics, logger: Logger) throws {
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
        let data = configuration.dataDirectory
        pool = BlobStore(root: "\(data)/blobs", scratch: "\(data)/ingest")
        scratch = pool.scratch
        try StoreError.wrap { [pool, scratch] () throws(SystemError) in
            try FileSystem.makeDirectories(data)
            try FileSystem.makeDirectories(pool.root)
            try FileSystem.makeDirectories(scratch)
        }
        uploads = UploadSessions(directory: "\(data)/uploads")
        metadata = try SQLiteMetadata(path: "\(data)/metadata.sqlite")
        access = try AccessControl(configuration: configuration)
        bodyMemory = MemoryBudget(capacity: max(Self.bodyMemoryFloor, 2 * configuration.maxManifestSize))
    }

    /// Manifest bytes held in memory at once: eight manifests of the default 4 MiB limit, or two of a larger one.
    static let bodyMemoryFloor = 32 << 20
    /// How long a manifest push waits for room in `bodyMemory` before it is answered 429.
    static let bodyMemoryPatience: Duration = .seconds(30)

    /// Answers a request that `RegistryRouting` parsed and `AccessControl` allowed; every failure
    /// becomes the spec's error response.
    func respond(to request: RegistryRequest, body: BodyReader) async -> RegistryResponse {
        guard let route = request.route else {
            return RegistryResponse(error: RegistryError(.unsupported, status: 404, "no endpoint at \(request.path)"))
        }
        do {
            return try await dispatch(route, request: request, body: body)
        } catch let error as RegistryError {
            return RegistryResponse(error: error)
        } catch let error as RequestBodyTooLarge {
            return RegistryResponse(error: Self.bodyTooLarge(limit: error.limit))
        } catch {
            if body.cutOff == nil {
                logger.error("request failed", metadata: ["path": "\(request.path.debugDescription)", "error": "\(error)"])
            }
            return RegistryResponse(.internalServerError)
        }
    }

    /// `SIZE_INVALID` (413) for a body past its limit.
    static func bodyTooLarge(limit: Int) -> RegistryError {
        RegistryError(.sizeInvalid, status: 413, "request body is larger than the \(limit)-byte limit")
    }

    private func dispatch(_ route: Route, request: RegistryRequest, body: BodyReader) async throws -> RegistryResponse {
        let method = request.method
        switch (route, method) {
        case (.base, .get), (.base, .head):
            return .json(Array("{}".utf8))
        case (.health, .get), (.health, .head):
            return RegistryResponse(.ok, headers: [.contentType: "text/plain"], body: .bytes(Array("ok\n".utf8)))
        case (.metrics, .get):
            return RegistryResponse(.ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .bytes(metrics.exposition()))
        case (.token, .get), (.token, .post):
            return try await access.tokenResponse(request, body: body)
        case let (.blob(name, digest), .get), let (.blob(name, digest), .head):
            return try await getBlob(digest, in: name, request: request)
        case let (.blob(name, digest), .delete):
            return try await deleteBlob(digest, in: name)
        case let (.uploads(name), .post):
            return try await startUpload(in: name, request: request, body: body)
        case let (.upload(name, session), .patch):
            return try await patchUpload(session, in: name, request: request, body: body)
        case let (.upload(name, session), .put):
            return try await finishUpload(session, in: name, request: request, body: body)
        case let (.upload(name, session), .get):
            return try await uploadStatus(session, in: name)
        case let (.upload(name, session), .delete):
            return try await cancelUpload(session, in: name)
        case let (.manifest(name, reference), .get), let (.manifest(name, reference), .head):
            return try await getManifest(reference, in: name)
        case let (.manifest(name, reference), .put):
            return try await putManifest(reference, in: name, request: request, body: body)
        case let (.manifest(name, reference), .delete):
            return try await deleteManifest(reference, in: name)
        case let (.tags(name), .get):
            return try await listTags(in: name, request: request)
        case (.catalog, .get):
            return try await listRepositories(request: request)
        case let (.referrers(name, digest), .get):
            return try await listReferrers(of: digest, in: name, request: request)
        default:
            var response = RegistryResponse(error: .unsupported("\(method.rawValue) is not supported on \(request.path)"))
            response.headers[.allow] = Self.allowedMethods(route)
            return response
        }
    }

    private static func allowedMethods(_ route: Route) -> String {
        switch route {
        case .base, .health: "GET, HEAD"
        case .metrics, .tags, .catalog, .referrers: "GET"
        case .token: "GET, POST"
        case .blob, .manifest: "GET, HEAD, PUT, DELETE"
        case .uploads: "POST"
        case .upload: "GET, PATCH, PUT, DELETE"
        }
    }

    /// Seconds since 1970, for records.
    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    /// Parses a digest from a URL or query, as `DIGEST_INVALID` when it is not one.
    static func digest(_ text: String) throws(RegistryError) -> Digest {
        do {
            return try Digest(text)
        } catch {
            throw .digestInvalid(text, "\(error)")
        }
    }

    func requireDeletes() throws(RegistryError) {
        guard configuration.deleteEnabled else {
            throw .unsupported("deletes are disabled on this registry (storage.delete = false)")
        }
    }
}
