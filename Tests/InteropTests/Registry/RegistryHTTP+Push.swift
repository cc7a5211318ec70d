import Foundation
import Testing

/// Pushing test content the plain way (POST then PUT, then manifests), requiring each step to succeed:
/// tests of other endpoints use these to set up their state.
extension RegistryHTTP {
    /// distribution-spec 1.1, "POST then PUT" (end-4a, end-6): `202` with a `Location`, then `201`.
    func pushBlob(_ repository: String, _ blob: TestBlob, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let location = try await startUpload(repository, sourceLocation: sourceLocation)
        let put = try await send(
            "PUT", LocationQuery.appending(location, [("digest", blob.digest)]),
            headers: ["Content-Type": "application/octet-stream"], body: blob.data, sourceLocation: sourceLocation)
        try #require(put.status == 201, "blob PUT failed: \(put)", sourceLocation: sourceLocation)
    }

    /// `POST /v2/<name>/blobs/uploads/` (end-4a), requiring `202` and returning the `Location`.
    func startUpload(_ repository: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let post = try await send(
            "POST", "/v2/\(repository)/blobs/uploads/", headers: ["Content-Length": "0"], sourceLocation: sourceLocation)
        try #require(post.status == 202, "upload POST failed: \(post)", sourceLocation: sourceLocation)
        return try post.location(sourceLocation: sourceLocation)
    }

    /// distribution-spec 1.1, "Single POST" (end-4b): `POST /v2/<name>/blobs/uploads/?digest=` with the bytes,
    /// whatever the answer.
    func postBlob(_ repository: String, _ blob: TestBlob, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Response {
        try await send(
            "POST", "/v2/\(repository)/blobs/uploads/?digest=\(blob.digest)",
            headers: ["Content-Type": "application/octet-stream"], body: blob.data, sourceLocation: sourceLocation)
    }

    /// distribution-spec 1.1, "Pushing a blob in chunks" (end-5): `PATCH` of one chunk with `Content-Range`,
    /// whatever the answer.
    func patchChunk(
        _ location: String, _ chunk: Data, range: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Response {
        try await send(
            "PATCH", location, headers: ["Content-Type": "application/octet-stream", "Content-Range": range], body: chunk,
            sourceLocation: sourceLocation)
    }

    /// `PUT /v2/<name>/manifests/<reference>` (end-7) with the manifest's media type, requiring `201`.
    @discardableResult
    func pushManifest(
        _ repository: String, _ reference: String, _ manifest: TestBlob, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Response {
        let put = try await putManifest(repository, reference, manifest, sourceLocation: sourceLocation)
        try #require(put.status == 201, "manifest PUT failed: \(put)", sourceLocation: sourceLocation)
        return put
    }

    /// `PUT /v2/<name>/manifests/<reference>` (end-7), whatever the answer.
    func putManifest(
        _ repository: String, _ reference: String, _ manifest: TestBlob, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Response {
        try await send(
            "PUT", "/v2/\(repository)/manifests/\(reference)", headers: ["Content-Type": manifest.mediaType],
            body: manifest.data, sourceLocation: sourceLocation)
    }

    /// Pushes a config, `layers` random layers and an image manifest, by `tag` or else by digest.
    func pushImage(
        _ repository: String, tag: String? = nil, layers: Int = 1, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> TestImage {
        let config = TestContent.config()
        let layerBlobs = (0..<layers).map { _ in TestContent.randomLayer() }
        for blob in [config] + layerBlobs { try await pushBlob(repository, blob, sourceLocation: sourceLocation) }
        let manifest = TestContent.imageManifest(config: config, layers: layerBlobs)
        try await pushManifest(repository, tag ?? manifest.digest, manifest, sourceLocation: sourceLocation)
        return TestImage(config: config, layers: layerBlobs, manifest: manifest)
    }

    /// Pushes an artifact manifest (empty config, one small layer) whose `subject` is `subject`.
    func pushArtifact(
        _ repository: String, subject: TestBlob, artifactType: String?, configType: String = TestContent.emptyType,
        annotations: [String: String]? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> TestBlob {
        let config = TestBlob(Data("{}".utf8), mediaType: configType)
        let layer = TestBlob(TestContent.randomBytes(64), mediaType: "application/vnd.example.payload")
        for blob in [config, layer] { try await pushBlob(repository, blob, sourceLocation: sourceLocation) }
        let manifest = TestContent.imageManifest(
            config: config, layers: [layer], subject: subject, artifactType: artifactType, annotations: annotations)
        try await pushManifest(repository, manifest.digest, manifest, sourceLocation: sourceLocation)
        return manifest
    }
}
