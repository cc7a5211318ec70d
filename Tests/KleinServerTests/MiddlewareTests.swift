import Hummingbird
import HummingbirdTesting
@testable import KleinServer
import Logging
import Synchronization
import Testing

/// Klein's shared middleware, each in front of a small router served over a real socket.
@Suite struct MiddlewareTests {
    /// Records what `RequestMetricsMiddleware` reports.
    final class Recorder: RequestMetricsRecorder {
        struct Entry: Equatable { let route: String, method: String, status: Int, received: Int64, sent: Int64 }
        let entries = Mutex<[Entry]>([])
        func request(route: String, method: String, status: Int, received: Int64, sent: Int64, duration: Duration) {
            entries.withLock { $0.append(Entry(route: route, method: method, status: status, received: received, sent: sent)) }
        }
    }

    /// Allows requests that carry `Authorization: let-me-in` as user "alice"; refuses others with 401.
    struct PasswordAuthorizer: RequestAuthorizer {
        func authorize(_ request: Request, context: KleinRequestContext) async -> AccessDecision {
            request.headers[.authorization] == "let-me-in"
                ? .allowed(user: "alice") : .refused(Response(status: .unauthorized, headers: [.wwwAuthenticate: "Basic"]))
        }
    }

    /// Echoes the request body, naming the route "echo" and answering who the user was.
    static func router(_ middleware: (Router<KleinRequestContext>) -> Void) -> Router<KleinRequestContext> {
        let router = Router(context: KleinRequestContext.self)
        middleware(router)
        router.post("echo") { request, context in
            context.record.route = "echo"
            let body = try await request.body.collect(upTo: .max)
            return Response(status: .ok, headers: [.init("X-User")!: context.record.user ?? "-"], body: ResponseBody(byteBuffer: body))
        }
        router.get("big") { _, _ in
            Response(status: .ok, body: ResponseBody { writer in
                for _ in 0..<3 { try await writer.write(ByteBuffer(repeating: 1, count: 100_000)) }
                try await writer.finish(nil)
            })
        }
        return router
    }

    @Test func metricsSeeTheRouteStatusAndBodyBytesOfEachRequest() async throws {
        let recorder = Recorder()
        let app = Application(router: Self.router { $0.add(middleware: RequestMetricsMiddleware(recorder: recorder)) })
        try await app.test(.live) { client in
            try await client.execute(uri: "/echo", method: .post, body: ByteBuffer(string: "hello")) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "hello")
            }
            try await client.execute(uri: "/big", method: .get) { response in
                #expect(response.body.readableBytes == 300_000)
            }
            try await client.execute(uri: "/nowhere", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
        // A streamed body is reported once written, which may be just after the client has read it.
        for _ in 0..<100 where recorder.entries.withLock(\.count) < 3 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(recorder.entries.withLock { $0 } == [
            .init(route: "echo", method: "POST", status: 200, received: 5, sent: 5),
            .init(route: "unknown", method: "GET", status: 200, received: 0, sent: 300_000),
            .init(route: "unknown", method: "GET", status: 404, received: 0, sent: 0),
        ])
    }

    @Test func refusedRequestsNeverReachTheHandlerAndAllowedOnesCarryTheirUser() async throws {
        let app = Application(router: Self.router { $0.add(middleware: AuthorizationMiddleware(PasswordAuthorizer())) })
        try await app.test(.live) { client in
            try await client.execute(uri: "/echo", method: .post, body: ByteBuffer(string: "x")) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Basic")
            }
            try await client.execute(uri: "/echo", method: .post, headers: [.authorization: "let-me-in"], body: ByteBuffer(string: "x")) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.init("X-User")!] == "alice")
            }
        }
    }

    @Test func bodiesPastTheirLimitAreRefused() async throws {
        let limit = BodySizeLimitMiddleware<KleinRequestContext>(
            limit: { request, _ in request.uri.path == "/echo" ? 10 : nil },
            refusal: { _, _, limit in Response(status: .contentTooLarge, headers: [.init("X-Limit")!: String(limit)]) })
        let router = Self.router { $0.add(middleware: limit) }
        router.post("stream") { request, _ in
            // A body that outgrows its limit while streaming fails the read with `RequestBodyTooLarge`.
            do {
                _ = try await request.body.collect(upTo: .max)
                return Response(status: .ok)
            } catch let error as RequestBodyTooLarge {
                return Response(status: .contentTooLarge, headers: [.init("X-Limit")!: String(error.limit)])
            }
        }
        let app = Application(router: router)
        try await app.test(.live) { client in
            try await client.execute(uri: "/echo", method: .post, body: ByteBuffer(string: "0123456789")) { response in
                #expect(response.status == .ok, "a body of exactly the limit is accepted")
            }
            try await client.execute(uri: "/echo", method: .post, body: ByteBuffer(string: "0123456789A")) { response in
                #expect(response.status == .contentTooLarge)
                #expect(response.headers[.init("X-Limit")!] == "10")
            }
            try await client.execute(uri: "/stream", method: .post, body: ByteBuffer(repeating: 0, count: 1 << 20)) { response in
                #expect(response.status == .ok, "a route without a limit takes any body")
            }
        }
    }

    /// A body without a (truthful) `Content-Length`, such as a chunked one, is only caught while it streams.
    @Test func aStreamedBodyOutgrowingTheLimitFailsItsRead() async throws {
        var request = Request(head: HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/"),
                              body: RequestBody(buffer: ByteBuffer(string: "12345")))
        request.limitBody(to: 4)
        await #expect(throws: RequestBodyTooLarge.self) { _ = try await request.body.collect(upTo: .max) }
        var fits = Request(head: HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/"),
                           body: RequestBody(buffer: ByteBuffer(string: "1234")))
        fits.limitBody(to: 4)
        #expect(String(buffer: try await fits.body.collect(upTo: .max)) == "1234")
    }

    @Test func aMeteredBodyIsCountedOnceHoweverManyMiddlewareMeterIt() async throws {
        let record = RequestRecord()
        var request = Request(head: HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/"),
                              body: RequestBody(buffer: ByteBuffer(string: "hello")))
        request.meterBody(into: record)
        request.meterBody(into: record)
        _ = try await request.body.collect(upTo: .max)
        #expect(record.received == 5)
    }
}
