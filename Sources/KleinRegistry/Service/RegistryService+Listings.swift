import HTTPTypes
import KleinOCI

extension RegistryService {
    /// end-8a, end-8b: `GET /v2/<name>/tags/list[?n=&last=]`, lexical order, RFC 5988 `Link` to the next page.
    func listTags(in name: String, request: RegistryRequest) async throws -> RegistryResponse {
        let (limit, last) = try Self.pagination(request)
        guard let tags = try await metadata.tags(in: name, after: last, limit: limit.map { $0 + 1 }) else {
            throw RegistryError.nameUnknown(name)
        }
        return page(tags, limit: limit, key: "tags", extra: ["name": .string(name)], path: "/v2/\(name)/tags/list")
    }

    /// `GET /v2/_catalog[?n=&last=]`: repository names in lexical order.
    func listRepositories(request: RegistryRequest) async throws -> RegistryResponse {
        let (limit, last) = try Self.pagination(request)
        let names = try await metadata.repositories(after: last, limit: limit.map { $0 + 1 })
        return page(names, limit: limit, key: "repositories", extra: [:], path: "/v2/_catalog")
    }

    /// end-12a, end-12b: `GET /v2/<name>/referrers/<digest>[?artifactType=]`: an image index of the
    /// manifests whose `subject` is the digest; never 404 (distribution-spec "Listing Referrers").
    func listReferrers(of text: String, in name: String, request: RegistryRequest) async throws -> RegistryResponse {
        let subject = try Self.digest(text)
        let filter = request.query("artifactType").flatMap { $0.isEmpty ? nil : $0 }
        let referrers = try await metadata.referrers(of: subject, in: name, artifactType: filter)
        let descriptors: [JSONValue] = referrers.map { record in
            var fields: [String: JSONValue] = [
                "mediaType": .string(record.mediaType),
                "digest": .string(record.digest.description),
                "size": .integer(record.size),
            ]
            if let artifactType = record.artifactType { fields["artifactType"] = .string(artifactType) }
            if let annotations = record.annotationsJSON, let value = try? JSONParser.parse(Array(annotations.utf8)) {
                fields["annotations"] = value
            }
            return .object(fields)
        }
        let index = JSONValue.object([
            "schemaVersion": .integer(2),
            "mediaType": .string(MediaType.ociIndex.rawValue),
            "manifests": .array(descriptors),
        ])
        var response = RegistryResponse.json(index.canonicalBytes, contentType: MediaType.ociIndex.rawValue)
        if filter != nil { response.headers.append(HTTPField(name: .ociFiltersApplied, value: "artifactType")) }
        return response
    }

    /// The largest page of tags or repositories one response holds; a `Link` names the next page.
    static let maximumPageSize = 10_000

    /// `n` (page size, at most `maximumPageSize`, which is also the default) and `last` (exclusive start).
    private static func pagination(_ request: RegistryRequest) throws(RegistryError) -> (limit: Int?, last: String?) {
        var limit = maximumPageSize
        if let text = request.query("n") {
            guard let value = Int(text), value >= 0 else {
                throw RegistryError(.unsupported, status: 400, "n=\(text) is not a non-negative page size")
            }
            limit = min(value, maximumPageSize)
        }
        return (limit, request.query("last"))
    }

    /// A JSON page of names; when more exist past `limit`, a `Link` header names the next page.
    private func page(_ names: [String], limit: Int?, key: String, extra: [String: JSONValue], path: String) -> RegistryResponse {
        var names = names
        var next: String?
        if let limit, names.count > limit {
            names = Array(names.prefix(limit))
            if let last = names.last { next = "<\(path)?n=\(limit)&last=\(Self.queryEscape(last))>; rel=\"next\"" }
        }
        var fields = extra
        fields[key] = .array(names.map { .string($0) })
        var response = RegistryResponse.json(JSONValue.object(fields).canonicalBytes)
        if let next { response.headers.append(HTTPField(name: .link, value: next)) }
        return response
    }

    private static func queryEscape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(UnicodeScalar(byte))
            default:
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
