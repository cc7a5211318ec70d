import AsyncHTTPClient
import Foundation
import KleinOCI
import NIOCore

extension RegistryClient {
    /// Every tag of a repository, following `Link` pagination (distribution-spec, "Listing Tags").
    public func tags(_ repository: String) async throws(ClientError) -> [String] {
        try await paginated(firstPath: "/v2/\(repository)/tags/list?n=1000", key: "tags", scopes: [Scope.pull(repository)],
                            summary: "list tags of \(repository)", notFound: "repository \(registry)/\(repository)")
    }

    /// Every repository, following `Link` pagination (distribution `_catalog`, an extension the OCI spec names).
    public func catalog() async throws(ClientError) -> [String] {
        try await paginated(firstPath: "/v2/_catalog?n=1000", key: "repositories", scopes: [Scope.catalog],
                            summary: "list repositories", notFound: "the catalog of \(registry) (the registry does not offer one)")
    }

    private func paginated(firstPath: String, key: String, scopes: [String], summary: String, notFound: String) async throws(ClientError) -> [String] {
        var results: [String] = []
        var next: RegistryRequest.Target? = .path(firstPath)
        var pages = 0
        while let target = next {
            pages += 1
            guard pages <= 10_000 else { throw .protocolViolation(registry: registry, reason: "\(summary): more than 10000 pages") }
            let request = RegistryRequest(.GET, target, scopes: scopes, summary: summary)
            let response = try await send(request)
            guard response.status == .ok else { throw await failure(response, request, notFound: notFound) }
            let body = try await collect(response, upTo: 64 << 20, for: request)
            guard let object = (try? JSONParser.parse(body.readableBytesView))?.objectValue else {
                throw .protocolViolation(registry: registry, reason: "\(summary): the answer is not a JSON object")
            }
            // A registry may send `null` for an empty list.
            results += object[key]?.arrayValue?.compactMap(\.stringValue) ?? []
            next = response.headers.first(name: "Link").flatMap(Self.nextLink).map { .location($0) }
        }
        return results
    }

    /// The target of an RFC 8288 `Link: <url>; rel="next"` header.
    static func nextLink(_ header: String) -> String? {
        for link in header.split(separator: ",") {
            let parts = link.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let target = parts.first, target.hasPrefix("<"), target.hasSuffix(">") else { continue }
            let isNext = parts.dropFirst().contains { $0.replacingOccurrences(of: "\"", with: "").lowercased() == "rel=next" }
            if isNext { return String(target.dropFirst().dropLast()) }
        }
        return nil
    }
}
