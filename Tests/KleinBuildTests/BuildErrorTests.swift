import Foundation
import KleinClient
import KleinStore
import Testing
@testable import KleinBuild

/// A lower module's failure surfaces through a build as its own typed case, with what the build was
/// doing: a caller can still tell a retryable registry failure from a final one.
@Suite struct BuildErrorTests {
    @Test func aMissingSpecFileIsASystemErrorNamingIt() {
        let path = "/nonexistent-\(UUID().uuidString)/klein.build.toml"
        #expect {
            _ = try BuildSpec.load(file: path, sourceDateEpoch: nil)
        } throws: { error in
            guard case let .system(_, cause) = error as? BuildError else { return false }
            return cause.path == path && cause.errno == ENOENT && "\(error)".contains(path)
        }
    }

    @Test func aStoreFailureKeepsItsStoreError() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("klein-build-errors-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let layout = try OCILayout.create(at: path)
        #expect {
            _ = try EmbeddedBuild(layout: layout, selector: "absent", name: "the image")
        } throws: { error in
            guard case let .store(what, .refNotFound(name, _)) = error as? BuildError else { return false }
            return name == "absent" && what.contains("the image")
        }
    }

    @Test func aClientFailureKeepsItsRetryableClassification() {
        let busy = ClientError.registry(registry: "r", request: "GET blob", status: 503, code: nil, message: "busy")
        guard case let .client(what, error) = BuildError.wrapping(busy, what: "fetching base") else {
            Issue.record("expected .client")
            return
        }
        #expect(what == "fetching base" && error.isRetryable)
        guard case let .client(_, missing) = BuildError.wrapping(ClientError.notFound(what: "manifest r/app:v1"), what: "fetching base") else {
            Issue.record("expected .client")
            return
        }
        #expect(!missing.isRetryable)
    }
}
