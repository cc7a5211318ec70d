import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// `fault_proxy.py` (beside this file) in front of a registry: forwards every request to `upstream`,
/// streaming bodies, and injects faults by `Rule`. A second listener, the redirect target, is another
/// origin that the `redirect` rule sends clients to; it records whether they still sent `Authorization`
/// and forwards to the upstream too.
///
/// The proxy's standard input is a pipe held open by this object: it stops when `stop()` closes it, and
/// by itself if the test process dies. Its output goes to files (`stderr` reads the log lines so far).
final class FaultProxy: Sendable {
    /// `fault_proxy.py`, found beside this source file as `OrasInteropTests` finds `oras_roundtrip.py`.
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("fault_proxy.py").path

    /// `http://127.0.0.1:N`, the proxy; point the client under test here.
    let url: URL
    /// `127.0.0.1:N`.
    let host: String
    /// `http://127.0.0.1:M`, the redirect target (another origin: another port).
    let redirectURL: URL
    /// `127.0.0.1:M`.
    let redirectHost: String
    /// Where requests are forwarded.
    let upstream: URL

    private let process: Process
    private let stdinPipe: FileHandle
    private let stdoutPath: String
    private let stderrPath: String
    private let session: URLSession
    private let stopped = Mutex(false)

    /// Starts `python3 fault_proxy.py --upstream <upstream>` and waits (without blocking a thread) for its two
    /// ready lines; throws `FaultProxyNotReady`, with its output, if they do not come within `timeout`.
    static func start(upstream: URL, timeout: Duration = .seconds(30)) async throws -> FaultProxy {
        let python = try Tools.path(of: "python3")
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("klein-fault-proxy-\(UUID().uuidString)").path
        let stdoutPath = "\(base).out"
        let stderrPath = "\(base).err"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, "--upstream", upstream.absoluteString]
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        let pipe = Pipe()
        process.standardInput = pipe
        try process.run()
        // The child has its own copy of the read end; ours must go so that closing the write end is end of file.
        try? pipe.fileHandleForReading.close()

        let deadline = ContinuousClock.now.advanced(by: timeout)
        let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        func notReady(exited: Bool) -> FaultProxyNotReady {
            try? pipe.fileHandleForWriting.close()
            process.killAndWait()
            return FaultProxyNotReady(stdout: read(stdoutPath), stderr: read(stderrPath), exited: exited)
        }
        while true {
            let lines = read(stdoutPath).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            let proxy = lines.first { $0.hasPrefix(proxyPrefix) }.map { String($0.dropFirst(proxyPrefix.count)) }
            let redirect = lines.first { $0.hasPrefix(redirectPrefix) }.map { String($0.dropFirst(redirectPrefix.count)) }
            if let proxy, let redirect {
                guard let url = loopbackURL(proxy), let redirectURL = loopbackURL(redirect) else { throw notReady(exited: !process.isRunning) }
                return FaultProxy(
                    url: url, host: proxy, redirectURL: redirectURL, redirectHost: redirect, upstream: upstream, process: process,
                    stdin: pipe.fileHandleForWriting, stdoutPath: stdoutPath, stderrPath: stderrPath)
            }
            guard process.isRunning, ContinuousClock.now < deadline else { throw notReady(exited: !process.isRunning) }
            do { try await Task.sleep(for: .milliseconds(20)) } catch {
                _ = notReady(exited: false)
                throw error
            }
        }
    }

    private init(
        url: URL, host: String, redirectURL: URL, redirectHost: String, upstream: URL, process: Process, stdin: FileHandle,
        stdoutPath: String, stderrPath: String
    ) {
        self.url = url
        self.host = host
        self.redirectURL = redirectURL
        self.redirectHost = redirectHost
        self.upstream = upstream
        self.process = process
        self.stdinPipe = stdin
        self.stdoutPath = stdoutPath
        self.stderrPath = stderrPath
        let configuration = URLSessionConfiguration.ephemeral
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalAndRemoteCacheData
        configuration.httpShouldSetCookies = false
        configuration.timeoutIntervalForRequest = 30
        session = URLSession(configuration: configuration)
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: stdoutPath)
        try? FileManager.default.removeItem(atPath: stderrPath)
    }

    /// Replaces the rules. The first rule in order that matches a request and is not spent applies to it.
    func setRules(_ rules: [Rule]) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        _ = try await control("POST", "rules", body: try encoder.encode(rules))
    }

    /// The requests both listeners have seen since the start or the last `reset()`, oldest first. Each entry
    /// is complete once the client has seen the end of its response (or the connection drop).
    func log() async throws -> [LoggedRequest] {
        try JSONDecoder().decode([LoggedRequest].self, from: try await control("GET", "log"))
    }

    /// Clears rules and log.
    func reset() async throws {
        _ = try await control("POST", "reset", body: Data("{}".utf8))
    }

    /// Stops the proxy: closes its standard input, sends SIGTERM, kills it after 5 s, and waits for it.
    /// Idempotent; `deinit` calls it too.
    func stop() {
        let first = stopped.withLock { stopped in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        session.invalidateAndCancel()
        try? stdinPipe.close()
        process.terminate(within: 5)
    }

    var isRunning: Bool { process.isRunning }

    /// What the proxy wrote to standard error so far (a line per request, faults applied), for failure messages.
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    // MARK: - Rules and log

    /// What a rule does to a matching request.
    enum Fault: Sendable, Equatable {
        /// Answers `status` (with `Retry-After: retryAfter` if given, and `body`, default a distribution-spec error
        /// envelope) without contacting the upstream; the request body is read and discarded first.
        case status(Int, retryAfter: String? = nil, body: String? = nil)
        /// Relays `bytes` of the request body to the upstream, then closes both connections (the client's with a
        /// reset). A body of `bytes` or fewer is relayed whole and the upstream's answer awaited (the upstream has
        /// acted) before both are dropped; the client gets no response either way.
        case dropRequest(afterBytes: Int)
        /// Relays the response headers and `bytes` of the body, then closes the client's connection.
        case dropResponse(afterBytes: Int)
        /// Relays the response with the body byte at `offset` inverted (same length).
        case corruptResponse(offset: Int)
        /// Answers `307` with `Location` on the redirect target, same path and query (request body discarded).
        case redirect

        var kind: FaultKind {
            switch self {
            case .status: .status
            case .dropRequest: .dropRequestAfter
            case .dropResponse: .dropResponseAfter
            case .corruptResponse: .corruptResponse
            case .redirect: .redirect
            }
        }
    }

    /// The `kind` of a rule in the proxy's JSON.
    enum FaultKind: String, Sendable, Codable, Equatable {
        case status
        case dropRequestAfter = "drop_request_after"
        case dropResponseAfter = "drop_response_after"
        case corruptResponse = "corrupt_response"
        case redirect
    }

    /// A fault for the next `times` requests whose method is `method` (any if nil) and whose path, without the
    /// query, matches the Python regular expression `path` (`re.search`: unanchored unless it says `^`/`$`).
    struct Rule: Sendable, Equatable, Encodable {
        var fault: Fault
        var method: String?
        var path: String
        var times: Int

        init(_ fault: Fault, method: String? = nil, path: String, times: Int = 1) {
            self.fault = fault
            self.method = method
            self.path = path
            self.times = times
        }

        static func status(
            _ status: Int, retryAfter: String? = nil, body: String? = nil, method: String? = nil, path: String, times: Int = 1
        ) -> Rule {
            Rule(.status(status, retryAfter: retryAfter, body: body), method: method, path: path, times: times)
        }

        static func dropRequest(after bytes: Int, method: String? = nil, path: String, times: Int = 1) -> Rule {
            Rule(.dropRequest(afterBytes: bytes), method: method, path: path, times: times)
        }

        static func dropResponse(after bytes: Int, method: String? = nil, path: String, times: Int = 1) -> Rule {
            Rule(.dropResponse(afterBytes: bytes), method: method, path: path, times: times)
        }

        static func corruptResponse(at offset: Int, method: String? = nil, path: String, times: Int = 1) -> Rule {
            Rule(.corruptResponse(offset: offset), method: method, path: path, times: times)
        }

        static func redirect(method: String? = nil, path: String, times: Int = 1) -> Rule {
            Rule(.redirect, method: method, path: path, times: times)
        }

        private enum CodingKeys: String, CodingKey {
            case kind, method, pathRegex = "path_regex", times, status, retryAfter = "retry_after", body, bytes, offset
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(fault.kind, forKey: .kind)
            try container.encodeIfPresent(method, forKey: .method)
            try container.encode(path, forKey: .pathRegex)
            try container.encode(times, forKey: .times)
            switch fault {
            case let .status(status, retryAfter, body):
                try container.encode(status, forKey: .status)
                try container.encodeIfPresent(retryAfter, forKey: .retryAfter)
                try container.encodeIfPresent(body, forKey: .body)
            case let .dropRequest(bytes), let .dropResponse(bytes):
                try container.encode(bytes, forKey: .bytes)
            case let .corruptResponse(offset):
                try container.encode(offset, forKey: .offset)
            case .redirect:
                break
            }
        }
    }

    /// One request as the proxy saw it.
    struct LoggedRequest: Sendable, Equatable, Decodable, CustomStringConvertible {
        enum Listener: String, Sendable, Decodable {
            case proxy
            case redirectTarget = "redirect_target"
        }

        let listener: Listener
        let method: String
        /// The path without the query, as sent (percent-encoded).
        let path: String
        /// The query without `?`, empty if none.
        let query: String
        /// Whether the request carried an `Authorization` header.
        let authorization: Bool
        /// The status sent to the client; nil if none was (a `dropRequest` fault, or the client went away first).
        let status: Int?
        /// The fault applied, if a rule matched.
        let fault: FaultKind?
        /// Request body bytes read from the client (for `dropRequest`, possibly more than were relayed).
        let requestBytes: Int
        /// Response body bytes sent to the client.
        let responseBytes: Int
        /// What the fault did, e.g. "inverted response body byte 10".
        let note: String?
        /// What went wrong with the client or the upstream, if anything.
        let error: String?

        private enum CodingKeys: String, CodingKey {
            case listener, method, path, query, authorization, status, fault, note, error
            case requestBytes = "request_bytes", responseBytes = "response_bytes"
        }

        var viaRedirectTarget: Bool { listener == .redirectTarget }

        var description: String {
            var text = "\(listener == .proxy ? "" : "[redirect target] ")\(method) \(path)\(query.isEmpty ? "" : "?\(query)") → "
            text += status.map(String.init) ?? "no response"
            if authorization { text += " (with Authorization)" }
            if let fault { text += " [\(fault.rawValue)\(note.map { ": \($0)" } ?? "")]" }
            if let error { text += " error: \(error)" }
            return text
        }
    }

    // MARK: - Private

    private static let proxyPrefix = "fault proxy listening on http://"
    private static let redirectPrefix = "redirect target on http://"

    private static func loopbackURL(_ host: String) -> URL? {
        guard host.hasPrefix("127.0.0.1:"), Int(host.dropFirst("127.0.0.1:".count)) != nil else { return nil }
        return URL(string: "http://\(host)")
    }

    private func control(_ method: String, _ endpoint: String, body: Data? = nil) async throws -> Data {
        var request = URLRequest(url: url.appendingPathComponent("__proxy").appendingPathComponent(endpoint))
        request.httpMethod = method
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await session.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else {
            throw FaultProxyError(message: "\(method) /__proxy/\(endpoint) answered \(status): \(String(decoding: data, as: UTF8.self))")
        }
        return data
    }
}

struct FaultProxyNotReady: Error, CustomStringConvertible {
    let stdout: String
    let stderr: String
    let exited: Bool
    var description: String {
        "fault_proxy.py \(exited ? "exited" : "printed no ready lines") (stdout: \(stdout.debugDescription), stderr: \(stderr.debugDescription))"
    }
}

struct FaultProxyError: Error, CustomStringConvertible {
    let message: String
    var description: String { "fault proxy: \(message)" }
}
