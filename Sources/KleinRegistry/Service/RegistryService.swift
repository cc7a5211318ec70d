import Foundation
import KleinOCI
import KleinStore
import KleinSystem
import Logging
import NIOHTTP1

/// The distribution-spec v1.1 registry: routes each request to its endpoint over one shared blob
/// pool (`<data>/blobs`), the upload directory (`<data>/uploads`) and the metadata database
/// (`<data>/metadata.sqlite`).
public final class RegistryService: RequestResponder {
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

    func respond(to request: RegistryRequest, body: RequestBody) async -> RegistryResponse {
        guard let route = request.route else {
            return RegistryResponse(error: RegistryError(.unsupported, status: 404, "no endpoint at \(request.path)"))
        }
        do {
            if let name = route.repository { try Route.validate(repository: name) }
            let user: String?
            switch await access.check(request, route: route) {
            case let .allowed(name): user = name
            case let .refused(response): return response
            }
            var response = try await dispatch(route, request: request, body: body, user: user)
            if let user { response.headers.replaceOrAdd(name: HTTPConnection.userHeader, value: user) }
            return response
        } catch let error as RegistryError {
            return RegistryResponse(error: error)
        } catch RequestBodyError.tooLarge(let limit) {
            return RegistryResponse(error: RegistryError(.sizeInvalid, status: 413, "request body is larger than the \(limit)-byte limit"))
        } catch is RequestBodyError {
            return RegistryResponse(error: RegistryError(.blobUploadInvalid, status: 400, "the request body ended early"))
        } catch {
            logger.error("request failed", metadata: ["path": "\(request.path.debugDescription)", "error": "\(error)"])
            return RegistryResponse(.internalServerError)
        }
    }

    private func dispatch(_ route: Route, request: RegistryRequest, body: RequestBody, user: String?) async throws -> RegistryResponse {
        let method = request.method
        switch (route, method) {
        case (.base, .GET), (.base, .HEAD):
            return .json(Array("{}".utf8))
        case (.health, .GET), (.health, .HEAD):
            return RegistryResponse(.ok, headers: ["Content-Type": "text/plain"], body: .bytes(Array("ok\n".utf8)))
        case (.metrics, .GET):
            return RegistryResponse(.ok, headers: ["Content-Type": "text/plain; version=0.0.4"], body: .bytes(metrics.exposition()))
        case (.token, .GET), (.token, .POST):
            return try await access.tokenResponse(request, body: body)
        case let (.blob(name, digest), .GET), let (.blob(name, digest), .HEAD):
            return try await getBlob(digest, in: name, request: request)
        case let (.blob(name, digest), .DELETE):
            return try await deleteBlob(digest, in: name)
        case let (.uploads(name), .POST):
            return try await startUpload(in: name, request: request, body: body)
        case let (.upload(name, session), .PATCH):
            return try await patchUpload(session, in: name, request: request, body: body)
        case let (.upload(name, session), .PUT):
            return try await finishUpload(session, in: name, request: request, body: body)
        case let (.upload(name, session), .GET):
            return try await uploadStatus(session, in: name)
        case let (.upload(name, session), .DELETE):
            return try await cancelUpload(session, in: name)
        case let (.manifest(name, reference), .GET), let (.manifest(name, reference), .HEAD):
            return try await getManifest(reference, in: name)
        case let (.manifest(name, reference), .PUT):
            return try await putManifest(reference, in: name, request: request, body: body)
        case let (.manifest(name, reference), .DELETE):
            return try await deleteManifest(reference, in: name)
        case let (.tags(name), .GET):
            return try await listTags(in: name, request: request)
        case (.catalog, .GET):
            return try await listRepositories(request: request)
        case let (.referrers(name, digest), .GET):
            return try await listReferrers(of: digest, in: name, request: request)
        default:
            var response = RegistryResponse(error: .unsupported("\(method.rawValue) is not supported on \(request.path)"))
            response.headers.replaceOrAdd(name: "Allow", value: Self.allowedMethods(route))
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
