import Foundation
import HTTPTypes
import KleinOCI

extension RegistryService {
    /// end-2: `GET`/`HEAD /v2/<name>/blobs/<digest>`, with single `Range` requests answered 206.
    /// A `HEAD` is how a pushing client learns it need not upload a blob; it counts the blob as new for
    /// the GC grace window (at most once a minute), so the manifest that needs it finds it there.
    func getBlob(_ text: String, in name: String, request: RegistryRequest) async throws -> RegistryResponse {
        let digest = try Self.digest(text)
        let now = Self.now()
        let found = request.isHead
            ? try await metadata.blobSize(digest, in: name, refreshingIfAddedBefore: now - 60, now: now)
            : try await metadata.blobSize(digest, in: name)
        guard let size = found else { throw RegistryError.blobUnknown(text, in: name) }
        var headers: HTTPFields = [
            .contentType: "application/octet-stream",
            .dockerContentDigest: digest.description,
            .acceptRanges: "bytes",
            .eTag: "\"\(digest)\"",
            .cacheControl: "max-age=31536000",
        ]
        let path = pool.path(for: digest)
        guard let rangeHeader = request.header(.range) else {
            return RegistryResponse(.ok, headers: headers, body: .file(path: path, offset: 0, length: size))
        }
        switch ByteRange.parse(rangeHeader, size: size) {
        case .whole:
            return RegistryResponse(.ok, headers: headers, body: .file(path: path, offset: 0, length: size))
        case let .range(first, last):
            headers[.contentRange] = "bytes \(first)-\(last)/\(size)"
            return RegistryResponse(.partialContent, headers: headers, body: .file(path: path, offset: first, length: last - first + 1))
        case .unsatisfiable:
            return RegistryResponse(.rangeNotSatisfiable, headers: [.contentRange: "bytes */\(size)"])
        }
    }

    /// end-10: `DELETE /v2/<name>/blobs/<digest>` unlinks the blob from the repository; the pool
    /// keeps the bytes until garbage collection finds nothing referring to them.
    func deleteBlob(_ text: String, in name: String) async throws -> RegistryResponse {
        try requireDeletes()
        let digest = try Self.digest(text)
        guard try await metadata.unlinkBlob(digest, from: name) else { throw RegistryError.blobUnknown(text, in: name) }
        return RegistryResponse(.accepted, headers: [.dockerContentDigest: digest.description])
    }
}

/// An HTTP `Range` request header for one byte range (RFC 9110 §14.1.2).
enum ByteRange: Equatable {
    /// No usable range: send the whole entity (unknown units, several ranges, syntax errors).
    case whole
    /// Inclusive byte positions.
    case range(first: Int64, last: Int64)
    case unsatisfiable

    static func parse(_ header: String, size: Int64) -> ByteRange {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("bytes=") else { return .whole }
        let spec = trimmed.dropFirst(6)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .whole }
        let start = spec[..<dash].trimmingCharacters(in: .whitespaces)
        let end = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        if start.isEmpty {
            guard let suffix = Int64(end), suffix >= 0 else { return .whole }
            guard suffix > 0, size > 0 else { return .unsatisfiable }
            return .range(first: max(0, size - suffix), last: size - 1)
        }
        guard let first = Int64(start), first >= 0 else { return .whole }
        let last: Int64
        if end.isEmpty {
            last = size - 1
        } else {
            guard let value = Int64(end), value >= first else { return .whole }
            last = min(value, size - 1)
        }
        guard first < size else { return .unsatisfiable }
        return .range(first: first, last: last)
    }
}
