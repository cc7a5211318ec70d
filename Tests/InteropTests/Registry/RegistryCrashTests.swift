import Foundation
import Testing

/// `kill -9` of the server in the middle of uploads: what was acknowledged with 201 survives, nothing
/// partial becomes visible, and pushing again works (issue: "Concurrency and crash safety").
@Suite struct RegistryCrashTests {
    @Test func killedDuringUploadsLosesNothingAcknowledged() throws {
        let scratch = try Scratch()
        let small = "\(scratch.path)/small"
        try Tools.klein("layout", "init", small)
        try ImageFixture.build(in: scratch, layout: small, ref: "v1")
        let debian = try RegistryFixtures.debianLayout(in: scratch)
        let data = "\(scratch.path)/data"

        var server = try KleinServe(scratch: scratch, data: data)
        try Tools.peer("skopeo", "copy", "--dest-tls-verify=false", "oci:\(small):v1", "docker://\(server.host)/safe/small:v1")
        // A large upload streaming slowly, and a whole image push, both cut off by SIGKILL.
        let big = "\(scratch.path)/big.bin"
        try Tools.peer("dd", "if=/dev/urandom", "of=\(big)", "bs=1M", "count=64", "status=none")
        let bigDigest = "sha256:" + (try Tools.peer("sha256sum", big).split(separator: " ").first.map(String.init) ?? "")
        let slow = try Tools.start("curl", ["-s", "-X", "POST", "--limit-rate", "8M", "-H", "Content-Type: application/octet-stream",
                                            "--data-binary", "@\(big)", "http://\(server.host)/v2/safe/big/blobs/uploads/?digest=\(bigDigest)"])
        let push = try Tools.start("skopeo", ["copy", "--dest-tls-verify=false", "oci:\(debian):debian",
                                              "docker://\(server.host)/safe/debian:v1"])
        // Kill once the slow upload is well under way (it needs about 8 s in all); the push may or may not be done.
        let deadline = Date().addingTimeInterval(20)
        while RegistryFixtures.bytesInUploads(data: data) < 8 << 20, Date() < deadline { usleep(50_000) }
        server.crash()
        slow.process.waitUntilExit()
        push.process.waitUntilExit()
        #expect(slow.finish().stdout.isEmpty, "the slow upload was cut off before any answer")
        _ = push.finish()

        // Restart: consistent, the acknowledged image intact, the cut-off blob invisible, pushes work again.
        server = try KleinServe(scratch: scratch, data: data)
        defer { server.stop() }
        try Tools.klein("registry", "fsck", "--data", data)
        let client = RegistryHTTPClient(host: server.host)
        #expect(try client.status("HEAD", "/v2/safe/big/blobs/\(bigDigest)") == 404)
        try Tools.peer("skopeo", "copy", "--src-tls-verify=false", "docker://\(server.host)/safe/small:v1", "oci:\(scratch.path)/back:v1")
        #expect(try RegistryFixtures.manifestDigest(layout: "\(scratch.path)/back", ref: "v1")
            == RegistryFixtures.manifestDigest(layout: small, ref: "v1"))
        try Tools.peer("skopeo", "copy", "--dest-tls-verify=false", "oci:\(debian):debian", "docker://\(server.host)/safe/debian:v1")
        try Tools.peer("skopeo", "copy", "--src-tls-verify=false", "docker://\(server.host)/safe/debian:v1", "oci:\(scratch.path)/back:debian")
        #expect(try RegistryFixtures.manifestDigest(layout: "\(scratch.path)/back", ref: "debian")
            == RegistryFixtures.manifestDigest(layout: debian, ref: "debian"))
        try client.pushBlob(Array(try Data(contentsOf: URL(fileURLWithPath: big))), to: "safe/big")
        try Tools.klein("registry", "fsck", "--data", data)
    }

    @Test func uploadSessionsSurviveARestart() throws {
        let scratch = try Scratch()
        let data = "\(scratch.path)/data"
        var server = try KleinServe(scratch: scratch, data: data)
        let first = Array(repeating: UInt8(ascii: "a"), count: 100_000), second = Array(repeating: UInt8(ascii: "b"), count: 50_000)
        let location = try RegistryUploadSteps.start(host: server.host, repository: "resume/blob")
        try RegistryUploadSteps.patch(host: server.host, location: location, bytes: first, range: "0-99999", expect: 202)
        server.crash()
        server = try KleinServe(scratch: scratch, data: data)
        defer { server.stop() }
        #expect(try RegistryUploadSteps.range(host: server.host, location: location) == "0-99999")
        try RegistryUploadSteps.patch(host: server.host, location: location, bytes: second, range: "100000-149999", expect: 202)
        let digest = try RegistryUploadSteps.finish(host: server.host, location: location, all: first + second)
        #expect(try RegistryHTTPClient(host: server.host).status("HEAD", "/v2/resume/blob/blobs/\(digest)") == 200)
    }

    @Test func sigtermLetsAnUploadInFlightFinish() throws {
        let scratch = try Scratch()
        let server = try KleinServe(scratch: scratch)
        let file = "\(scratch.path)/blob"
        try Tools.peer("dd", "if=/dev/urandom", "of=\(file)", "bs=1M", "count=8", "status=none")
        let digest = "sha256:" + (try Tools.peer("sha256sum", file).split(separator: " ").first.map(String.init) ?? "")
        let upload = try Tools.start("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "--limit-rate", "4M",
                                              "-H", "Content-Type: application/octet-stream", "--data-binary", "@\(file)",
                                              "http://\(server.host)/v2/drain/blob/blobs/uploads/?digest=\(digest)"])
        usleep(700_000)
        server.stop(timeout: 30)
        upload.process.waitUntilExit()
        #expect(upload.finish().stdout == "201", "the upload in flight completes during a graceful shutdown")
        #expect(try Tools.run("klein", ["registry", "fsck", "--data", server.data]).succeeded)
    }
}

/// The steps of a chunked upload, through curl.
enum RegistryUploadSteps {
    static func start(host: String, repository: String) throws -> String {
        let headers = try Tools.peer("curl", "-s", "-D", "-", "-o", "/dev/null", "-X", "POST", "http://\(host)/v2/\(repository)/blobs/uploads/")
        return try header("Location", in: headers)
    }

    static func patch(host: String, location: String, bytes: [UInt8], range: String, expect: Int) throws {
        let scratch = try Scratch()
        try Data(bytes).write(to: URL(fileURLWithPath: "\(scratch.path)/chunk"))
        let code = try Tools.peer("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PATCH",
                                  "-H", "Content-Type: application/octet-stream", "-H", "Content-Range: \(range)",
                                  "--data-binary", "@\(scratch.path)/chunk", "http://\(host)\(location)")
        #expect(code == String(expect), "PATCH \(range) answered \(code)")
    }

    static func range(host: String, location: String) throws -> String {
        try header("Range", in: Tools.peer("curl", "-s", "-D", "-", "-o", "/dev/null", "http://\(host)\(location)"))
    }

    /// Closes the upload with the digest of `all`; returns the digest.
    static func finish(host: String, location: String, all: [UInt8]) throws -> String {
        let scratch = try Scratch()
        try Data(all).write(to: URL(fileURLWithPath: "\(scratch.path)/all"))
        let digest = "sha256:" + (try Tools.peer("sha256sum", "\(scratch.path)/all").split(separator: " ").first.map(String.init) ?? "")
        let separator = location.contains("?") ? "&" : "?"
        let code = try Tools.peer("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT",
                                  "http://\(host)\(location)\(separator)digest=\(digest)")
        #expect(code == "201", "closing the upload answered \(code)")
        return digest
    }

    static func header(_ name: String, in response: String) throws -> String {
        for line in response.split(separator: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name.lowercased() {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        throw MissingHeader(name: name, response: response)
    }

    struct MissingHeader: Error, CustomStringConvertible {
        let name: String
        let response: String
        var description: String { "no \(name) header in \(response.debugDescription)" }
    }
}
