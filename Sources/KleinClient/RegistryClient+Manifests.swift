import AsyncHTTPClient
import Foundation
import KleinOCI
import NIOCore
import NIOHTTP1

/// A manifest or index as a registry served it: the exact bytes, verified against the digest.
public struct FetchedManifest: Sendable {
    /// The manifest's bytes, exactly as received.
    public let bytes: [UInt8]
    /// Its descriptor: media type, the digest of `bytes`, their size.
    public let descriptor: Descriptor
    /// The bytes, parsed.
    public let manifest: Manifest

    /// Bytes with the descriptor and parsed manifest they were verified against.
    package init(bytes: [UInt8], descriptor: Descriptor, manifest: Manifest) {
        self.bytes = bytes
        self.descriptor = descriptor
        self.manifest = manifest
    }
}

extension RegistryClient {
    /// Manifests larger than this are refused (as containerd and distribution do), so a hostile server
    /// cannot exhaust memory.
    static let manifestLimit = 4 << 20

    /// Every manifest type Klein reads, for `Accept` (distribution-spec, "Pulling manifests").
    static let manifestAccept = [MediaType.ociManifest, .ociIndex, .dockerManifest, .dockerManifestList]
        .map(\.rawValue).joined(separator: ", ")

    /// GETs a manifest by tag or digest and verifies it: against the digest asked for, else against the
    /// `Docker-Content-Digest` the registry sent, and against `expected` when the caller holds a descriptor.
    public func manifest(_ repository: String, reference: String, expected: Descriptor? = nil) async throws(ClientError) -> FetchedManifest {
        var request = RegistryRequest(.GET, .path("/v2/\(repository)/manifests/\(reference)"), scopes: [Scope.pull(repository)],
                                      summary: "GET manifest \(repository):\(reference)")
        request.headers.add(name: "Accept", value: Self.manifestAccept)
        let response = try await send(request)
        guard response.status == .ok else {
            throw await failure(response, request, notFound: "manifest \(registry)/\(repository):\(reference)")
        }
        let bytes = Array(try await collect(response, upTo: Self.manifestLimit, for: request).readableBytesView)
        let what = "manifest \(registry)/\(repository):\(reference)"
        let asked = try? Digest(reference)
        let claimed = response.headers.first(name: "Docker-Content-Digest").flatMap { try? Digest($0) }
        let algorithm = asked?.algorithm ?? expected?.digest.algorithm ?? claimed?.algorithm ?? .sha256
        let actual = Digest.of(bytes, algorithm: algorithm)
        for wanted in [asked, expected?.digest, claimed].compactMap({ $0 }) where wanted.algorithm == algorithm && wanted != actual {
            throw .verificationFailed(what: what, error: .digestMismatch(expected: wanted, actual: actual))
        }
        if let expected, expected.size != Int64(bytes.count) {
            throw .verificationFailed(what: what, error: .sizeMismatch(expected: expected.size, actual: Int64(bytes.count)))
        }
        let declared = response.headers.first(name: "Content-Type").map { MediaType(rawValue: $0.split(separator: ";")[0].trimmingCharacters(in: .whitespaces)) }
        let manifest: Manifest
        do {
            manifest = try Manifest.parse(bytes, declared: declared.flatMap { $0.isManifest ? $0 : nil })
        } catch {
            throw .invalidContent(what: what, error: error)
        }
        let descriptor = Descriptor(mediaType: manifest.mediaType, digest: actual, size: Int64(bytes.count),
                                    artifactType: manifest.artifactType == nil || manifest.mediaType.isIndex ? nil : manifest.artifactType)
        return FetchedManifest(bytes: bytes, descriptor: descriptor, manifest: manifest)
    }

    /// HEADs a manifest: its descriptor, or nil when the registry does not have it.
    public func manifestDescriptor(_ repository: String, reference: String) async throws(ClientError) -> Descriptor? {
        var request = RegistryRequest(.HEAD, .path("/v2/\(repository)/manifests/\(reference)"), scopes: [Scope.pull(repository)],
                                      summary: "HEAD manifest \(repository):\(reference)")
        request.headers.add(name: "Accept", value: Self.manifestAccept)
        let response = try await send(request)
        if response.status == .notFound { return nil }
        guard response.status == .ok else { throw await failure(response, request) }
        guard let digest = response.headers.first(name: "Docker-Content-Digest").flatMap({ try? Digest($0) }),
              let size = response.headers.first(name: "Content-Length").flatMap({ Int64($0) }),
              let type = response.headers.first(name: "Content-Type") else {
            // Without the headers a HEAD says nothing; a GET does.
            return try await manifest(repository, reference: reference).descriptor
        }
        return Descriptor(mediaType: MediaType(rawValue: type), digest: digest, size: size)
    }

    /// PUTs manifest bytes under `reference` (a tag, or the digest). Returns whether the registry
    /// processed the `subject` (the `OCI-Subject` header), which tells the caller whether the referrers
    /// tag schema must be maintained by hand (distribution-spec, "Pushing Manifests with Subject").
    @discardableResult
    public func putManifest(_ repository: String, reference: String, bytes: [UInt8], mediaType: MediaType) async throws(ClientError) -> Bool {
        var request = RegistryRequest(.PUT, .path("/v2/\(repository)/manifests/\(reference)"), scopes: [Scope.push(repository)],
                                      summary: "PUT manifest \(repository):\(reference)")
        request.headers.add(name: "Content-Type", value: mediaType.rawValue)
        request.body = { .bytes(ByteBuffer(bytes: bytes)) }
        let response = try await send(request)
        guard response.status == .created || response.status == .ok else { throw await failure(response, request) }
        await response.discardBody()
        if let sent = response.headers.first(name: "Docker-Content-Digest").flatMap({ try? Digest($0) }),
           sent != Digest.of(bytes, algorithm: sent.algorithm) {
            throw .protocolViolation(registry: registry, reason: "\(request.summary): stored as \(sent), not as the digest of the bytes sent")
        }
        return response.headers.first(name: "OCI-Subject") != nil
    }

    /// DELETEs a manifest by digest, or a tag (distribution-spec, "Deleting tags" / "Deleting Manifests").
    public func deleteManifest(_ repository: String, reference: String) async throws(ClientError) {
        let request = RegistryRequest(.DELETE, .path("/v2/\(repository)/manifests/\(reference)"), scopes: [Scope.delete(repository)],
                                      summary: "DELETE manifest \(repository):\(reference)")
        let response = try await send(request)
        guard response.status == .accepted || response.status == .ok || response.status == .noContent else {
            throw await failure(response, request, notFound: "manifest \(registry)/\(repository):\(reference)")
        }
        await response.discardBody()
    }
}
