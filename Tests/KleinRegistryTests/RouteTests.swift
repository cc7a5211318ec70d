import Testing
@testable import KleinRegistry

@Suite struct RouteTests {
    @Test(arguments: [
        ("/v2/", Route.base),
        ("/v2", .base),
        ("/v2/_catalog", .catalog),
        ("/v2/a/b/blobs/uploads/", .uploads(name: "a/b")),
        ("/v2/a/blobs/uploads", .uploads(name: "a")),
        ("/v2/a/blobs/uploads/0123", .upload(name: "a", session: "0123")),
        ("/v2/blobs/blobs/sha256:00", .blob(name: "blobs", digest: "sha256:00")),
        ("/v2/x/manifests/latest", .manifest(name: "x", reference: "latest")),
        ("/v2/x/y/z/tags/list", .tags(name: "x/y/z")),
        ("/v2/x/referrers/sha256:ab", .referrers(name: "x", digest: "sha256:ab")),
        ("/token", .token),
        ("/healthz", .health),
    ])
    func parses(path: String, route: Route) {
        #expect(Route(path: path) == route)
    }

    @Test(arguments: ["/", "/v1/", "/v2/manifests/latest", "/v2/x/tags", "/v2/x/unknown/y", "/other"])
    func rejects(path: String) {
        #expect(Route(path: path) == nil)
    }

    @Test func validatesRepositoryNames() throws {
        try Route.validate(repository: "library/debian")
        #expect(throws: RegistryError.self) { try Route.validate(repository: "Upper/case") }
        #expect(throws: RegistryError.self) { try Route.validate(repository: "a//b") }
        #expect(throws: RegistryError.self) { try Route.validate(repository: "../etc") }
    }
}

@Suite struct ByteRangeTests {
    @Test(arguments: [
        ("bytes=0-4", Int64(10), ByteRange.range(first: 0, last: 4)),
        ("bytes=5-", 10, .range(first: 5, last: 9)),
        ("bytes=-3", 10, .range(first: 7, last: 9)),
        ("bytes=8-100", 10, .range(first: 8, last: 9)),
        ("bytes=10-", 10, .unsatisfiable),
        ("bytes=0-1,3-4", 10, .whole),
        ("items=0-1", 10, .whole),
        ("bytes=4-2", 10, .whole),
    ])
    func parses(header: String, size: Int64, expected: ByteRange) {
        #expect(ByteRange.parse(header, size: size) == expected)
    }
}
