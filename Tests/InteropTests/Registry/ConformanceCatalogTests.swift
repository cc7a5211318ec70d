import Foundation
import Testing

/// `GET /v2/_catalog` with `n`/`last` and `Link` (Docker Registry HTTP API V2, "Catalog"; not in
/// distribution-spec 1.1, which dropped it, but served by Distribution and Klein alike).
@Suite struct ConformanceCatalogTests {
    private static func page(
        _ registry: RegistryUnderTest, _ target: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (repositories: [String], response: RegistryHTTP.Response) {
        let response = try await registry.http.get(target, sourceLocation: sourceLocation)
        response.expectStatus(200, sourceLocation: sourceLocation)
        let repositories = try #require(
            try response.json(sourceLocation: sourceLocation)["repositories"] as? [String], "no repositories: \(response)",
            sourceLocation: sourceLocation)
        return (repositories, response)
    }

    private static func pushRepositories(_ registry: RegistryUnderTest) async throws -> [String] {
        let names = ["zeta", "alpha/one", "alpha/two", "mid-dle", "beta.b"]
        for name in names { _ = try await registry.http.pushImage(name, tag: "latest") }
        return names.sorted()
    }

    @Test("catalog lists every repository in order", arguments: RegistryKind.allCases)
    func listsRepositories(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let names = try await Self.pushRepositories(registry)
            let all = try await Self.page(registry, "/v2/_catalog")
            #expect(all.repositories == names)
            #expect(all.response.nextLink() == nil)
        }
    }

    @Test("catalog pages with n and last, linked by Link: <…>; rel=\"next\"", arguments: RegistryKind.allCases)
    func paginates(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let names = try await Self.pushRepositories(registry)
            var seen: [String] = []
            var target: String? = "/v2/_catalog?n=2"
            var pages = 0
            while let next = target, pages < 10 {
                let page = try await Self.page(registry, next)
                #expect(page.repositories.count <= 2, "\(page.response)")
                seen += page.repositories
                target = page.response.nextLink()
                if let target { #expect(try registry.http.url(target).path == "/v2/_catalog") }
                pages += 1
            }
            #expect(seen == names)
            #expect(pages == 3)

            let after = try await Self.page(registry, "/v2/_catalog?n=2&last=alpha/two")
            #expect(after.repositories == ["beta.b", "mid-dle"])
            #expect(after.response.nextLink() != nil)
        }
    }
}
