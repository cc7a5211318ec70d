import Foundation
import Glibc
import HTTPTypes
import KleinOCI
import KleinServer
import KleinStore
import KleinSystem

extension RegistryService {
    /// end-3: `GET`/`HEAD /v2/<name>/manifests/<reference>` answers the exact stored bytes with the
    /// media type they were pushed with.
    func getManifest(_ reference: String, in name: String) async throws -> RegistryResponse {
        let stored: StoredManifest?
        if reference.contains(":") {
            stored = try await metadata.manifest(digest: try Self.digest(reference), in: name)
        } else {
            try Self.validate(tag: reference)
            stored = try await metadata.manifest(tag: reference, in: name)
        }
        guard let stored else { throw RegistryError.manifestUnknown(reference, in: name) }
        return RegistryResponse(.ok, headers: [
            .contentType: stored.mediaType,
            .dockerContentDigest: stored.digest.description,
            .eTag: "\"\(stored.digest)\"",
        ], body: .file(path: pool.path(for: stored.digest), offset: 0, length: stored.size))
    }

    /// end-7: `PUT /v2/<name>/manifests/<reference>` stores the bytes as received once they parse as
    /// a manifest or index whose blobs (or child manifests) the repository has.
    func putManifest(_ reference: String, in name: String, request: RegistryRequest, body: BodyReader) async throws -> RegistryResponse {
        let limit = configuration.maxManifestSize
        let length = request.header(.contentLength).flatMap(Int.init)
        if let length, length > limit { throw Self.manifestTooLarge(length, limit: limit) }
        let reserved = length ?? limit
        guard await bodyMemory.reserve(reserved, patience: Self.bodyMemoryPatience) else {
            throw RegistryError(.tooManyRequests, status: 429,
                                "the registry holds as many manifest bytes as it allows in memory; retry shortly")
        }
        defer { bodyMemory.release(reserved) }
        let bytes: [UInt8]
        do {
            bytes = try await body.collect(upTo: limit, expected: length)
        } catch is RequestBodyTooLarge {
            throw Self.manifestTooLarge(nil, limit: limit)
        }
        var tag: String?
        let digest: Digest
        if reference.contains(":") {
            let named = try Self.digest(reference)
            digest = Digest.of(bytes, algorithm: named.algorithm)
            guard digest == named else {
                throw RegistryError.digestInvalid(reference, "the manifest's bytes have digest \(digest)")
            }
        } else {
            try Self.validate(tag: reference)
            tag = reference
            digest = Digest.of(bytes)
        }
        let (record, manifest) = try Self.record(for: bytes, digest: digest, contentType: request.header(.contentType))
        let path = try writeScratch(bytes)
        let pool = pool
        let missing = try await metadata.putManifest(record, tag: tag, in: name, now: Self.now()) {
            try pool.adopt(fileAt: path, as: digest)
        }
        guard missing.isEmpty else {
            try? FileSystem.remove(path)
            let errors = missing.map { child in
                RegistryError(.manifestBlobUnknown, status: 400,
                              "\(record.childrenAreManifests ? "manifest" : "blob") \(child) is not in repository \"\(name)\"",
                              detail: ["digest": child.description])
            }
            return RegistryResponse(.badRequest, headers: [.contentType: "application/json"], body: .bytes(RegistryError.body(errors)))
        }
        var headers: HTTPFields = [
            .location: "/v2/\(name)/manifests/\(digest)",
            .dockerContentDigest: digest.description,
        ]
        if let subject = manifest.subject { headers.append(HTTPField(name: .ociSubject, value: subject.digest.description)) }
        return RegistryResponse(.created, headers: headers)
    }

    /// end-9: `DELETE /v2/<name>/manifests/<digest>` removes the manifest and its tags; with a tag,
    /// only the tag.
    func deleteManifest(_ reference: String, in name: String) async throws -> RegistryResponse {
        try requireDeletes()
        if reference.contains(":") {
            guard try await metadata.deleteManifest(try Self.digest(reference), in: name) else {
                throw RegistryError.manifestUnknown(reference, in: name)
            }
        } else {
            try Self.validate(tag: reference)
            guard try await metadata.deleteTag(reference, in: name) else { throw RegistryError.manifestUnknown(reference, in: name) }
        }
        return RegistryResponse(.accepted)
    }

    // MARK: Helpers

    static func validate(tag: String) throws(RegistryError) {
        guard Reference.isValidTag(tag) else {
            throw RegistryError(.manifestInvalid, status: 400,
                                "tag \"\(tag)\" does not match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}", detail: ["tag": tag])
        }
    }

    static func manifestTooLarge(_ length: Int?, limit: Int) -> RegistryError {
        RegistryError(.sizeInvalid, status: 413,
                      "manifest\(length.map { " of \($0) bytes" } ?? "") is larger than this registry's \(limit)-byte limit")
    }

    /// Parses manifest bytes into the metadata the registry keeps. The `Content-Type` decides the type
    /// when it names a manifest type; otherwise the document's own `mediaType` does.
    static func record(for bytes: [UInt8], digest: Digest, contentType: String?) throws(RegistryError) -> (ManifestRecord, Manifest) {
        let declared = contentType
            .map { MediaType(rawValue: String($0.prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces)) }
            .flatMap { $0.isManifest ? $0 : nil }
        let manifest: Manifest
        do {
            manifest = try Manifest.parse(bytes, declared: declared)
        } catch {
            throw RegistryError(.manifestInvalid, status: 400, "manifest \(digest) is invalid: \(error)")
        }
        let mediaType = declared ?? manifest.mediaType
        var children = manifest.children
        if case .image = manifest {
            // Foreign layers live at their URLs, not in the registry (image-spec descriptor.md, "urls").
            children.removeAll { $0.urls?.isEmpty == false }
        }
        let annotations = manifest.annotations.map { JSONValue.object($0.mapValues { .string($0) }).canonicalBytes }
        let record = ManifestRecord(
            digest: digest, mediaType: mediaType.rawValue, size: Int64(bytes.count),
            artifactType: manifest.artifactType?.rawValue, subject: manifest.subject?.digest,
            annotationsJSON: annotations.map { String(decoding: $0, as: UTF8.self) },
            children: children.map(\.digest), childrenAreManifests: { if case .index = manifest { true } else { false } }())
        return (record, manifest)
    }

    /// Writes bytes to a synced scratch file on the pool's file system, ready to be adopted.
    private func writeScratch(_ bytes: [UInt8]) throws(StoreError) -> String {
        let path = "\(scratch)/\(FileSystem.randomName()).manifest"
        let file = try StoreError.wrap { () throws(SystemError) in try POSIXFile.open(path, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o644) }
        do throws(SystemError) {
            try file.writeAll(bytes)
            try file.sync()
        } catch {
            try? FileSystem.remove(path)
            throw .system(error)
        }
        return path
    }
}
