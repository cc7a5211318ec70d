import Foundation
import Testing

/// HTTP through `curl`, for registries that answer `401` with a `WWW-Authenticate: Basic` challenge.
///
/// swift-corelibs-foundation's URLSession cannot hand such a response to its caller: with default
/// challenge handling and no credential the task never completes (not even at its timeout), and
/// rejecting the protection space cancels it (`NSURLErrorCancelled`), so `RegistryHTTP` cannot see
/// those statuses on Linux. The answers are `RegistryHTTP.Response`s, checked as `RegistryHTTP` checks
/// Klein's: no `5xx`, and every `4xx` body is the distribution-spec error envelope.
struct CurlHTTP: Sendable {
    let base: URL

    func url(_ target: String) throws -> URL { try RegistryHTTP.resolve(target, against: base) }

    @discardableResult
    func send(
        _ method: String, _ target: String, headers: [String: String] = [:], body: Data? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> RegistryHTTP.Response {
        let url = try url(target)
        let files = FileManager.default.temporaryDirectory.appendingPathComponent("klein-curl-\(UUID().uuidString)").path
        let (bodyOut, headersOut, bodyIn) = ("\(files).body", "\(files).headers", "\(files).in")
        defer { for path in [bodyOut, headersOut, bodyIn] { try? FileManager.default.removeItem(atPath: path) } }

        var arguments = ["--silent", "--show-error", "--globoff", "--path-as-is", "--noproxy", "*", "--max-time", "60",
                         "--output", bodyOut, "--dump-header", headersOut, "--write-out", "%{http_code}",
                         "--header", "Expect:"]
        arguments += method == "HEAD" ? ["--head"] : ["--request", method]
        var all = headers
        if let body {
            try body.write(to: URL(fileURLWithPath: bodyIn))
            arguments += ["--data-binary", "@\(bodyIn)"]
            // curl would otherwise label a body as a form.
            if !all.keys.contains(where: { $0.lowercased() == "content-type" }) { all["Content-Type"] = "application/octet-stream" }
        }
        for (name, value) in all.sorted(by: { $0.key < $1.key }) { arguments += ["--header", "\(name): \(value)"] }
        arguments.append(url.absoluteString)

        let run = try Tools.run("curl", arguments)
        guard run.succeeded, let status = Int(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw CurlFailed(method: method, url: url, status: run.status, stderr: run.stderr)
        }
        let response = RegistryHTTP.Response(
            method: method, url: url, status: status, headers: Self.headers(in: (try? String(contentsOfFile: headersOut, encoding: .utf8)) ?? ""),
            body: method == "HEAD" ? Data() : (FileManager.default.contents(atPath: bodyOut) ?? Data()))
        #expect(response.status < 500, "server error: \(response)", sourceLocation: sourceLocation)
        if (400..<500).contains(response.status), method != "HEAD" {
            RegistryHTTP.checkErrorEnvelope(response, sourceLocation: sourceLocation)
        }
        return response
    }

    /// The headers of the last response in a `--dump-header` file (after any `100 Continue`), names
    /// lowercased, repeated headers joined with ", ".
    static func headers(in dump: String) -> [String: String] {
        let blocks = dump.components(separatedBy: "\r\n\r\n").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        var headers: [String: String] = [:]
        for line in (blocks.last ?? "").components(separatedBy: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { "\($0), \(value)" } ?? value
        }
        return headers
    }
}

struct CurlFailed: Error, CustomStringConvertible {
    let method: String
    let url: URL
    let status: Int32
    let stderr: String
    var description: String { "curl \(method) \(url.absoluteString) failed (\(status)): \(stderr)" }
}
