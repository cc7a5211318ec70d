import Foundation
import Testing

/// The registry client's authentication, driving the real `klein` binary: Basic and the Docker token flow
/// against `klein serve --auth basic|token`, Basic against CNCF Distribution with htpasswd, credentials from
/// a `docker-credential-*` helper, and `klein login`/`logout` writing docker's `config.json`.
@Suite struct ClientAuthTests {
    static let writerPassword = AuthRegistry.passwords["writer"]!
    static let readerPassword = AuthRegistry.passwords["reader"]!

    // MARK: - 7. klein serve with auth

    @Test("push as writer, pull as reader; a reader's push is refused; a wrong password is rejected", arguments: AuthServeMode.allCases)
    func roundTripWithCredentials(mode: AuthServeMode) async throws {
        let scratch = try Scratch()
        let cli = ClientCLI(scratch: scratch)
        let image = try ClientTestImage.make(in: scratch, files: [200_000])
        let registry = try AuthRegistry(scratch: scratch, mode: mode)
        defer { registry.stop() }
        let host = registry.server.host

        try cli.succeed(["push", image.location, "\(host)/team/app:v1", "-u", "writer", "--password-stdin"], stdin: Self.writerPassword + "\n")
        try cli.expectPull("\(host)/team/app:v1", options: ["-u", "reader", "-p", Self.readerPassword], toMatch: image)

        // The reader may pull team/** but not push there.
        let refused = try cli.fail(["push", image.location, "\(host)/team/app:v2", "-u", "reader", "-p", Self.readerPassword])
        let refusal = refused.stderr.lowercased()
        #expect(refusal.contains("refused") || refusal.contains("denied"), "\(refused)")
        #expect(refused.errorLines.count == 1, "one line: \(refused)")
        try cli.fail(["resolve", "\(host)/team/app:v2", "-u", "writer", "-p", Self.writerPassword])

        // A wrong password: rejected, nothing written on either side.
        let fresh = "\(scratch.path)/fresh"
        let wrongPull = try cli.fail(["pull", "\(host)/team/app:v1", "oci:\(fresh):app", "-u", "writer", "-p", "not the password"])
        #expect(wrongPull.stderr.contains("rejected"), "the message says the credentials were rejected: \(wrongPull)")
        #expect(wrongPull.stderr.contains("writer") && !wrongPull.stderr.contains("not the password"), "\(wrongPull)")
        #expect(wrongPull.errorLines.count == 1, "one line: \(wrongPull)")
        #expect(!FileManager.default.fileExists(atPath: fresh), "a refused pull created \(fresh)")
        let wrongPush = try cli.fail(["push", image.location, "\(host)/team/app:v3", "-u", "writer", "--password-stdin"], stdin: "nope\n")
        #expect(wrongPush.stderr.contains("rejected"), "\(wrongPush)")
        try cli.fail(["resolve", "\(host)/team/app:v3", "-u", "writer", "-p", Self.writerPassword])

        // Without credentials team/** is closed; public/** is open to anyone once pushed.
        let anonymous = try cli.fail(["pull", "\(host)/team/app:v1", "oci:\(fresh):app"])
        #expect(anonymous.stderr.contains("klein login") || anonymous.stderr.lowercased().contains("refused"), "\(anonymous)")
        #expect(!FileManager.default.fileExists(atPath: fresh), "a refused pull created \(fresh)")
        try cli.succeed(["push", image.location, "\(host)/public/app:v1", "-u", "writer", "-p", Self.writerPassword])
        try cli.expectPull("\(host)/public/app:v1", into: "fresh", toMatch: image)
    }

    // MARK: - 8. Distribution with htpasswd

    @Test("docker-registry with htpasswd: round trip with credentials; without, an error that suggests klein login")
    func distributionBasicAuth() async throws {
        let scratch = try Scratch()
        let cli = ClientCLI(scratch: scratch)
        let image = try ClientTestImage.make(in: scratch, files: [200_000])
        let htpasswd = try AuthRegistry.htpasswdFile(in: scratch)
        let registry = try await DistributionServer.start(scratch: scratch, logLevel: "info", extraConfig: """
            auth:
              htpasswd:
                realm: klein-client-tests
                path: \(htpasswd)
            """, readyStatus: 401)
        defer { registry.stop() }
        let host = registry.host

        let push = try cli.run(["push", image.location, "\(host)/team/app:v1", "-u", "writer", "--password-stdin"], stdin: Self.writerPassword + "\n")
        #expect(push.result.succeeded, "\(push)\n--- docker-registry:\n\(registry.log)")
        try cli.expectPull("\(host)/team/app:v1", options: ["-u", "reader", "-p", Self.readerPassword], toMatch: image)

        let fresh = "\(scratch.path)/fresh"
        let anonymousPull = try cli.fail(["pull", "\(host)/team/app:v1", "oci:\(fresh):app"])
        #expect(anonymousPull.stderr.contains("klein login"), "\(anonymousPull)")
        #expect(anonymousPull.errorLines.count == 1, "one line: \(anonymousPull)")
        #expect(!FileManager.default.fileExists(atPath: fresh), "a refused pull created \(fresh)")
        let anonymousPush = try cli.fail(["push", image.location, "\(host)/team/app:v2"])
        #expect(anonymousPush.stderr.contains("klein login"), "\(anonymousPush)")

        let wrong = try cli.fail(["pull", "\(host)/team/app:v1", "oci:\(fresh):app", "-u", "writer", "-p", "wrong"])
        #expect(wrong.stderr.contains("rejected"), "\(wrong)")
        #expect(!FileManager.default.fileExists(atPath: fresh), "a refused pull created \(fresh)")
    }

    // MARK: - 9. Credential helpers

    @Test("credentials come from the docker-credential helper that credHelpers names", arguments: AuthServeMode.allCases)
    func credentialHelper(mode: AuthServeMode) async throws {
        let scratch = try Scratch()
        let image = try ClientTestImage.make(in: scratch, files: [100_000])
        let registry = try AuthRegistry(scratch: scratch, mode: mode)
        defer { registry.stop() }
        let host = registry.server.host

        // A helper that knows exactly one server, and logs every call.
        let bin = "\(scratch.path)/bin"
        let helperLog = "\(scratch.path)/helper.log"
        let helper = try scratch.write("bin/docker-credential-test", """
            #!/bin/sh
            input=$(cat)
            echo "$1 $input" >> '\(helperLog)'
            case "$1" in
            get)
                if [ "$input" = '\(host)' ]; then
                    printf '{"ServerURL":"%s","Username":"writer","Secret":"%s"}\\n' "$input" '\(Self.writerPassword)'
                else
                    echo "credentials not found in native keychain"
                    exit 1
                fi ;;
            *) echo "unsupported: $1" >&2; exit 1 ;;
            esac

            """)
        try Tools.peer("chmod", "0755", helper)
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let cli = ClientCLI(scratch: scratch, extra: ["PATH": "\(bin):\(path)"])

        // No config: no credentials, the push is refused.
        try cli.fail(["push", image.location, "\(host)/team/app:v1"])

        try scratch.write("docker-config/config.json", #"{"credHelpers": {"\#(host)": "test", "other.example.com": "absent"}}"#)
        try cli.succeed(["push", image.location, "\(host)/team/app:v1"])
        try cli.expectPull("\(host)/team/app:v1", toMatch: image)
        let calls = (try? String(contentsOfFile: helperLog, encoding: .utf8)) ?? ""
        #expect(calls.contains("get \(host)"), "the helper was not asked: \(calls)")
        #expect(!calls.contains("store") && !calls.contains("erase"), "\(calls)")
    }

    // MARK: - 10. login and logout

    /// Every blob GET is refused once with `Retry-After: 2`, so the pull outlives a one-second token: the
    /// client asks for a token once while it lasts (five minutes) and asks again once it ran out (one
    /// second; the client renews at 80% of `expires_in`). The server's access log counts `/token` requests.
    @Test("a bearer token is reused while it lasts and renewed when it runs out", arguments: [300, 1])
    func tokensAreCachedAndRenewed(lifetime: Int) async throws {
        let scratch = try Scratch()
        let cli = ClientCLI(scratch: scratch)
        let image = try ClientTestImage.make(in: scratch, layers: [[10_000], [10_000]])
        let registry = try AuthRegistry(scratch: scratch, mode: .token, arguments: ["--token-lifetime", "\(lifetime)s"])
        defer { registry.stop() }
        try cli.succeed(["push", image.location, "\(registry.server.host)/team/app:v1", "-u", "writer", "-p", Self.writerPassword])
        let proxy = try await FaultProxy.start(upstream: registry.server.base)
        defer { proxy.stop() }
        try await proxy.setRules([.status(503, retryAfter: "2", method: "GET", path: "/blobs/sha256:", times: 3)])
        let tokensBefore = registry.server.log.components(separatedBy: "/token").count
        try cli.expectPull("\(proxy.host)/team/app:v1", options: ["-u", "reader", "-p", Self.readerPassword], toMatch: image)
        let tokens = registry.server.log.components(separatedBy: "/token").count - tokensBefore
        if lifetime == 300 {
            #expect(tokens == 1, "one token for the whole pull: \(tokens) requests")
        } else {
            #expect(tokens >= 2, "the token was renewed after it ran out: \(tokens) requests")
        }
    }

    @Test("klein login writes docker's config.json, push then needs no flags, klein logout removes it", arguments: AuthServeMode.allCases)
    func loginAndLogout(mode: AuthServeMode) async throws {
        let scratch = try Scratch()
        let cli = ClientCLI(scratch: scratch)
        let image = try ClientTestImage.make(in: scratch, files: [100_000])
        let registry = try AuthRegistry(scratch: scratch, mode: mode)
        defer { registry.stop() }
        let host = registry.server.host
        let otherAuth = Data("someone:secret".utf8).base64EncodedString()
        let original = try scratch.write("docker-config/config.json", """
            {
              "auths": {"other.example.com": {"auth": "\(otherAuth)"}},
              "psFormat": "table {{.ID}}\\t{{.Image}}"
            }

            """)
        let originalBytes = try Data(contentsOf: URL(fileURLWithPath: original))
        #expect(original == cli.dockerConfigFile)

        // A wrong password: rejected, config.json untouched.
        let wrong = try cli.fail(["login", host, "-u", "writer", "--password-stdin"], stdin: "wrong password\n")
        #expect(wrong.stderr.contains("rejected"), "\(wrong)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: original)) == originalBytes, "a failed login changed config.json")

        try cli.succeed(["login", host, "-u", "writer", "--password-stdin"], stdin: Self.writerPassword + "\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: cli.dockerConfigFile)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600, "mode \(String(describing: attributes[.posixPermissions]))")
        var config = try scratch.json("docker-config/config.json")
        var auths = config["auths"] as? [String: Any] ?? [:]
        let entry = auths[host] as? [String: Any]
        #expect(entry?["auth"] as? String == Data("writer:\(Self.writerPassword)".utf8).base64EncodedString(), "\(config)")
        #expect((auths["other.example.com"] as? [String: Any])?["auth"] as? String == otherAuth, "other entries kept: \(config)")
        #expect(config["psFormat"] as? String == "table {{.ID}}\t{{.Image}}", "other keys kept: \(config)")

        try cli.succeed(["push", image.location, "\(host)/team/app:v1"])
        try cli.expectPull("\(host)/team/app:v1", toMatch: image)

        try cli.succeed(["logout", host])
        config = try scratch.json("docker-config/config.json")
        auths = config["auths"] as? [String: Any] ?? [:]
        #expect(auths[host] == nil, "logout left the entry: \(config)")
        #expect((auths["other.example.com"] as? [String: Any])?["auth"] as? String == otherAuth, "other entries kept: \(config)")
        #expect(config["psFormat"] as? String == "table {{.ID}}\t{{.Image}}", "other keys kept: \(config)")

        try cli.fail(["push", image.location, "\(host)/team/app:v2"])
        let again = try cli.fail(["logout", host])
        #expect(again.stderr.contains("not logged in"), "\(again)")
    }
}
