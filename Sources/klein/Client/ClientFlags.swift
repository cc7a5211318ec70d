import ArgumentParser
import Foundation
import KleinClient
import KleinOCI

/// Options every command that talks to a registry shares.
struct ClientFlags: ParsableArguments {
    @Flag(help: "Allow plain HTTP and unverified TLS for every registry (loopback registries always allow HTTP).")
    var insecure = false
    @Option(name: [.short, .long], help: "User name for the registries named on the command line (with --password-stdin or --password).")
    var username: String?
    @Option(name: [.short, .long], help: "Password or token; prefer --password-stdin, which keeps it out of the process list.")
    var password: String?
    @Flag(help: "Read the password from standard input.")
    var passwordStdin = false
    @Option(help: "Blobs transferred in parallel.")
    var jobs = 4
    @Option(help: "Attempts per request on 5xx, 429 and dropped connections (1 = no retries).")
    var attempts = 5
    @Option(help: "Blobs of at least this many bytes are uploaded in chunks of this size, resuming after a dropped connection.")
    var chunkSize: Int64 = 64 << 20

    func validate() throws {
        if password != nil && passwordStdin { throw ValidationError("use either --password or --password-stdin") }
        if (password != nil || passwordStdin) && username == nil { throw ValidationError("--password needs --username") }
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be between 1 and 64") }
        guard (1...20).contains(attempts) else { throw ValidationError("--attempts must be between 1 and 20") }
        guard chunkSize >= 64 << 10 else { throw ValidationError("--chunk-size must be at least 65536 bytes") }
    }

    /// A session whose flag credentials apply to `registries`.
    func session(for registries: [String]) throws -> RegistrySession {
        var options = ClientOptions()
        options.insecure = insecure
        options.parallelBlobs = jobs
        options.retry = RetryPolicy(attempts: attempts)
        options.chunkSize = chunkSize
        if let username {
            let secret = try password ?? Self.readPasswordFromStandardInput()
            for registry in registries { options.credentials[registry] = .basic(username: username, password: secret) }
        }
        return RegistrySession(options: options)
    }

    static func readPasswordFromStandardInput() throws -> String {
        let data = FileHandle.standardInput.readDataToEndOfFile()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
        guard !text.isEmpty else { throw ValidationError("--password-stdin: standard input was empty") }
        return text
    }
}

/// Runs `body` with a session and shuts the session down afterwards, whatever happens.
func withSession<T>(_ flags: ClientFlags, registries: [String], _ body: (RegistrySession) async throws -> T) async throws -> T {
    let session = try flags.session(for: registries)
    do {
        let result = try await body(session)
        await session.shutdown()
        return result
    } catch {
        await session.shutdown()
        throw error
    }
}
