import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// A tiny HTTP client for one registry under test: any method, headers and body; never follows
/// redirects; reads status, headers (case-insensitively) and body bytes.
///
/// Every response is checked on the way in: no `5xx`, and every `4xx` body is the error envelope of
/// distribution-spec 1.1 "Error Codes" with spec codes only (Klein must always send it; for other
/// registries the spec lets a `4xx` body be "in any format", so only JSON bodies are checked).
final class RegistryHTTP: @unchecked Sendable {
    struct Response: Sendable, CustomStringConvertible {
        let method: String
        let url: URL
        let status: Int
        /// Header names lowercased; repeated headers joined with ", ".
        let headers: [String: String]
        let body: Data

        func header(_ name: String) -> String? { headers[name.lowercased()] }
        var text: String { String(decoding: body, as: UTF8.self) }

        func json(sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
            let object = try? JSONSerialization.jsonObject(with: body)
            return try #require(object as? [String: Any], "\(self) is not a JSON object", sourceLocation: sourceLocation)
        }

        var description: String {
            let shown = body.count > 600 ? String(decoding: body.prefix(600), as: UTF8.self) + "…" : text
            let path = URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedPath ?? url.path
            return "\(method) \(path)\(url.query.map { "?\($0)" } ?? "") → \(status) \(shown)"
        }
    }

    /// The error codes of distribution-spec 1.1, "Error Codes" (code-1 … code-14).
    static let specErrorCodes: Set<String> = [
        "BLOB_UNKNOWN", "BLOB_UPLOAD_INVALID", "BLOB_UPLOAD_UNKNOWN", "DIGEST_INVALID", "MANIFEST_BLOB_UNKNOWN",
        "MANIFEST_INVALID", "MANIFEST_UNKNOWN", "NAME_INVALID", "NAME_UNKNOWN", "SIZE_INVALID", "UNAUTHORIZED",
        "DENIED", "UNSUPPORTED", "TOOMANYREQUESTS",
    ]

    let base: URL
    let kind: RegistryKind
    private let session: URLSession

    init(base: URL, kind: RegistryKind) {
        self.base = base
        self.kind = kind
        let configuration = URLSessionConfiguration.ephemeral
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalAndRemoteCacheData
        configuration.httpShouldSetCookies = false
        configuration.timeoutIntervalForRequest = 60
        session = URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
    }

    func invalidate() { session.invalidateAndCancel() }

    /// The URL of `target`: a path (`/v2/...`), or a `Location` value, relative or absolute.
    func url(_ target: String) throws -> URL { try Self.resolve(target, against: base) }

    /// A path or `Location` value, relative or absolute, as an absolute URL on `base`.
    static func resolve(_ target: String, against base: URL) throws -> URL {
        guard let url = URL(string: target, relativeTo: base)?.absoluteURL else { throw InvalidTarget(target: target) }
        return url
    }

    @discardableResult
    func send(
        _ method: String, _ target: String, headers: [String: String] = [:], body: Data? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Response {
        var request = URLRequest(url: try url(target))
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.httpBody = body
            // Foundation would otherwise label a body as a form.
            if request.value(forHTTPHeaderField: "Content-Type") == nil {
                request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
            }
        }
        let (data, urlResponse) = try await session.data(for: request)
        let http = try #require(urlResponse as? HTTPURLResponse, "\(method) \(target): not an HTTP response", sourceLocation: sourceLocation)
        var lowered: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            let key = "\(name)".lowercased()
            let text = "\(value)"
            lowered[key] = lowered[key].map { "\($0), \(text)" } ?? text
        }
        let response = Response(method: method, url: request.url ?? base, status: http.statusCode, headers: lowered, body: data)
        checkStatusAndErrorBody(response, sourceLocation: sourceLocation)
        return response
    }

    func get(
        _ target: String, accept: String? = nil, headers: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Response {
        var all = headers
        if let accept { all["Accept"] = accept }
        return try await send("GET", target, headers: all, sourceLocation: sourceLocation)
    }

    func head(_ target: String, accept: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Response {
        try await send("HEAD", target, headers: accept.map { ["Accept": $0] } ?? [:], sourceLocation: sourceLocation)
    }

    private func checkStatusAndErrorBody(_ response: Response, sourceLocation: SourceLocation) {
        #expect(response.status < 500, "server error: \(response)", sourceLocation: sourceLocation)
        guard (400..<500).contains(response.status), response.method != "HEAD" else { return }
        let parsed = try? JSONSerialization.jsonObject(with: response.body)
        if parsed == nil && kind != .klein { return }
        Self.checkErrorEnvelope(response, sourceLocation: sourceLocation)
    }

    /// distribution-spec 1.1, "Error Codes": `{"errors":[{"code","message","detail"}]}`; `code` is one of
    /// the spec's codes; `message` is OPTIONAL and, when present, a string; `detail` is OPTIONAL, any JSON.
    @discardableResult
    static func checkErrorEnvelope(_ response: Response, sourceLocation: SourceLocation) -> [String] {
        let object = try? JSONSerialization.jsonObject(with: response.body)
        guard let errors = (object as? [String: Any])?["errors"] as? [Any], !errors.isEmpty else {
            Issue.record("error body is not {\"errors\":[…]}: \(response)", sourceLocation: sourceLocation)
            return []
        }
        var codes: [String] = []
        for error in errors {
            guard let entry = error as? [String: Any], let code = entry["code"] as? String else {
                Issue.record("error entry without a string code: \(response)", sourceLocation: sourceLocation)
                continue
            }
            codes.append(code)
            #expect(specErrorCodes.contains(code), "error code \(code) is not a distribution-spec code: \(response)", sourceLocation: sourceLocation)
            if let message = entry["message"] {
                #expect(message is String, "error message is not a string: \(response)", sourceLocation: sourceLocation)
            }
        }
        return codes
    }
}

extension RegistryHTTP.Response {
    /// Expects an error response: a status among `status` and, among its spec-shaped errors, one of `codes`.
    func expectError(status: Set<Int>, anyOf codes: Set<String>, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(status.contains(self.status), "expected status \(status.sorted()) and \(codes.sorted()): \(self)", sourceLocation: sourceLocation)
        let found = RegistryHTTP.checkErrorEnvelope(self, sourceLocation: sourceLocation)
        #expect(!codes.isDisjoint(with: found), "expected error code \(codes.sorted()): \(self)", sourceLocation: sourceLocation)
    }

    func expectError(status: Set<Int>, code: String, sourceLocation: SourceLocation = #_sourceLocation) {
        expectError(status: status, anyOf: [code], sourceLocation: sourceLocation)
    }

    func expectError(status: Int, code: String, sourceLocation: SourceLocation = #_sourceLocation) {
        expectError(status: [status], anyOf: [code], sourceLocation: sourceLocation)
    }

    /// Expects `status`, with the response in the failure message.
    func expectStatus(_ status: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(self.status == status, "expected \(status): \(self)", sourceLocation: sourceLocation)
    }

    /// The target of a `Link: <target>; rel="next"` header (RFC 5988), or nil when there is none;
    /// a `Link` header in any other form is a failure.
    func nextLink(sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        guard let link = header("Link") else { return nil }
        let parts = link.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let target = parts.first, target.hasPrefix("<"), target.hasSuffix(">"),
              parts.dropFirst().contains(where: { ["rel=\"next\"", "rel=next"].contains($0.lowercased()) }) else {
            Issue.record("Link header is not <target>; rel=\"next\": \(link) in \(self)", sourceLocation: sourceLocation)
            return nil
        }
        return String(target.dropFirst().dropLast())
    }

    /// The `Location` header, required.
    func location(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try #require(header("Location"), "no Location header: \(self)", sourceLocation: sourceLocation)
    }
}

struct InvalidTarget: Error, CustomStringConvertible {
    let target: String
    var description: String { "not a URL or path: \(target)" }
}

/// Refuses every redirect so the tests see the registry's own status codes.
private final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}

/// Query helpers for opaque `Location` values (which may already carry a query).
enum LocationQuery {
    static func appending(_ location: String, _ items: [(String, String)]) -> String {
        let query = items.map { "\($0.0)=\(encode($0.1))" }.joined(separator: "&")
        return location + (location.contains("?") ? "&" : "?") + query
    }

    /// Percent-encodes everything but unreserved characters and `:` (a `+` would otherwise read as a space).
    static func encode(_ value: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}
