import Foundation
import KleinOCI
import Testing
@testable import KleinClient

/// The small protocol rules the client relies on: Retry-After, Link pagination, form encoding, origins.
@Suite struct ProtocolDetailTests {
    @Test(arguments: [("7", 7.0), (" 0 ", 0.0), ("Sun, 22 Nov 2026 18:00:10 GMT", 10.0)])
    func retryAfterReadsSecondsAndDates(value: String, seconds: Double) throws {
        let now = try #require(ISO8601DateFormatter().date(from: "2026-11-22T18:00:00Z"))
        #expect(RetryPolicy.seconds(fromRetryAfter: value, now: now) == seconds)
    }

    @Test func retryAfterGarbageFallsBackToBackoff() {
        #expect(RetryPolicy.seconds(fromRetryAfter: "soon") == nil)
        let policy = RetryPolicy(attempts: 5, initialDelay: .milliseconds(200), maximumDelay: .seconds(1))
        for attempt in 1...8 {
            let delay = policy.delay(afterAttempt: attempt, retryAfter: "soon")
            let ceiling = min(Duration.milliseconds(200) * (1 << (attempt - 1)), .seconds(1))
            #expect(delay >= ceiling / 2 && delay <= ceiling, "attempt \(attempt): \(delay)")
        }
        #expect(policy.delay(afterAttempt: 1, retryAfter: "2") == .seconds(2))
        #expect(policy.delay(afterAttempt: 1, retryAfter: "86400") == .seconds(3), "a hostile Retry-After is capped")
    }

    @Test func transientStatuses() {
        #expect([429, 500, 502, 503, 504].allSatisfy(RetryPolicy.isTransient(status:)))
        #expect(![400, 401, 403, 404, 405, 416].contains(where: RetryPolicy.isTransient(status:)))
    }

    @Test(arguments: [
        (#"</v2/_catalog?last=b&n=2>; rel="next""#, "/v2/_catalog?last=b&n=2"),
        (#"<https://r.example/v2/a/tags/list?n=1&last=x>; rel=next"#, "https://r.example/v2/a/tags/list?n=1&last=x"),
        (#"<https://r.example/page1>; rel="prev", <https://r.example/page3>; rel="next""#, "https://r.example/page3"),
    ])
    func linkHeaderNextPage(header: String, next: String) {
        #expect(RegistryClient.nextLink(header) == next)
    }

    @Test func linkHeaderWithoutNext() {
        #expect(RegistryClient.nextLink(#"<https://r.example/page1>; rel="prev""#) == nil)
        #expect(RegistryClient.nextLink("garbage") == nil)
    }

    @Test func formEncodingEscapesReservedBytes() {
        #expect(FormEncoding.encode(["scope": ["repository:a/b:pull,push", "registry:catalog:*"], "service": ["reg istry"]])
            == "scope=repository%3Aa%2Fb%3Apull%2Cpush&scope=registry%3Acatalog%3A%2A&service=reg%20istry")
        #expect(FormEncoding.escape("p@ss:wörd") == "p%40ss%3Aw%C3%B6rd")
    }

    @Test func originsCompareSchemeHostAndPort() {
        #expect(RegistryClient.origin(of: "https://Registry.example/v2/") == RegistryClient.origin(of: "https://registry.example:443/x"))
        #expect(RegistryClient.origin(of: "http://registry.example/") != RegistryClient.origin(of: "https://registry.example/"))
        #expect(RegistryClient.origin(of: "https://registry.example:5000/") != RegistryClient.origin(of: "https://registry.example/"))
        #expect(RegistryClient.origin(of: "https://storage.example/blob") != RegistryClient.origin(of: "https://registry.example/"))
    }

    @Test func locationsResolveAgainstTheRequest() {
        let base = "http://127.0.0.1:5000/v2/app/blobs/uploads/1"
        #expect(RegistryRequest.Target.location("/v2/app/blobs/uploads/2?state=x").url(relativeTo: base) == "http://127.0.0.1:5000/v2/app/blobs/uploads/2?state=x")
        #expect(RegistryRequest.Target.location("https://cdn.example/blob").url(relativeTo: base) == "https://cdn.example/blob")
        #expect(RegistryRequest.Target.path("/v2/").url(relativeTo: "https://r.example") == "https://r.example/v2/")
    }
}
