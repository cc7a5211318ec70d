#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import KleinOCI
import KleinSystem

/// A `docker-credential-<name>` program, spoken to per the docker-credential-helpers protocol
/// (github.com/docker/docker-credential-helpers, `client/client.go`): the verb `get`, `store` or `erase`
/// as the only argument, the server URL (or for `store` a JSON object) on standard input, the answer on
/// standard output, and exit status 1 with `credentials not found in native keychain` on standard output
/// when nothing is stored. A helper running longer than `timeout` is killed with its process group.
struct CredentialHelper: Sendable {
    /// The `<name>` in `docker-credential-<name>`.
    let name: String
    /// The absolute path of the program found on the search path.
    let executable: String
    /// The environment the helper runs with.
    let environment: [String: String]
    let timeout: Duration

    /// The most output read from a helper; a helper writing more is killed.
    static let maximumOutput = 1 << 20
    /// The username docker-credential-helpers use to mark `Secret` as an identity token.
    static let identityTokenUsername = "<token>"

    /// Finds `docker-credential-<name>` in the colon-separated `searchPath`.
    init(name: String, searchPath: String, environment: [String: String], timeout: Duration = .seconds(30))
        throws(ClientError)
    {
        guard !name.isEmpty, !name.contains("/"), !name.utf8.contains(0) else {
            throw .credentialHelper(name: name, reason: "is not a valid helper name (it must be a plain file name)")
        }
        let program = "docker-credential-\(name)"
        let directories = searchPath.split(separator: ":").map(String.init).filter { $0.hasPrefix("/") }
        guard let found = directories.map({ "\($0)/\(program)" }).first(where: Self.isExecutableFile) else {
            throw .credentialHelper(
                name: name, reason: "\(program) was not found on the search path \(directories.joined(separator: ":"))")
        }
        self.name = name
        self.executable = found
        self.environment = environment
        self.timeout = timeout
    }

    /// `get`: the credential stored for `serverURL`, or nil when the helper has none.
    func get(serverURL: String) throws(ClientError) -> RegistryCredential? {
        let output = try run("get", input: Array(serverURL.utf8))
        guard output.succeeded else {
            if output.saysNotFound { return nil }
            throw failure("get", output)
        }
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(output.standardOutput)
        } catch {
            throw .credentialHelper(name: name, reason: "answered get with output that is not JSON: \(error)")
        }
        guard let answer = parsed.objectValue else {
            throw .credentialHelper(name: name, reason: "answered get with JSON that is not an object")
        }
        guard let username = answer["Username"]?.stringValue, let secret = answer["Secret"]?.stringValue else {
            throw .credentialHelper(name: name, reason: #"answered get without string fields "Username" and "Secret""#)
        }
        if username.isEmpty && secret.isEmpty { return nil }
        if username == Self.identityTokenUsername { return .identityToken(secret) }
        return .basic(username: username, password: secret)
    }

    /// `store`: saves `credential` for `serverURL`.
    func store(_ credential: RegistryCredential, serverURL: String) throws(ClientError) {
        let (username, secret): (String, String) =
            switch credential {
            case let .basic(username, password): (username, password)
            case let .identityToken(token): (Self.identityTokenUsername, token)
            }
        let request = JSONValue.object([
            "ServerURL": .string(serverURL), "Username": .string(username), "Secret": .string(secret),
        ])
        let output = try run("store", input: request.canonicalBytes)
        guard output.succeeded else { throw failure("store", output) }
    }

    /// `erase`: removes what is stored for `serverURL`; false when nothing was.
    func erase(serverURL: String) throws(ClientError) -> Bool {
        let output = try run("erase", input: Array(serverURL.utf8))
        if output.succeeded { return true }
        if output.saysNotFound { return false }
        throw failure("erase", output)
    }

    private func failure(_ verb: String, _ output: Output) -> ClientError {
        .credentialHelper(name: name, reason: "\(verb) failed (\(output.exitDescription)): \(output.message)")
    }

    private static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
    }
}

extension CredentialHelper {
    /// What a helper run produced.
    struct Output {
        var termination: ProcessTermination
        var standardOutput: [UInt8]
        var standardError: [UInt8]

        var succeeded: Bool { termination.succeeded }

        /// docker-credential-helpers' `ErrCredentialsNotFound` message (`credentials not found in native keychain`).
        var saysNotFound: Bool {
            (String(decoding: standardOutput, as: UTF8.self) + String(decoding: standardError, as: UTF8.self))
                .lowercased().contains("credentials not found")
        }

        var exitDescription: String { termination.description }

        /// The helper's own words, trimmed and shortened, for an error message.
        var message: String {
            let raw = standardOutput.isEmpty ? standardError : standardOutput
            let text = String(decoding: raw.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return text.isEmpty ? "no message" : text
        }
    }
}

extension CredentialHelper {
    /// Runs the helper with `verb`, `input` on its standard input, and collects its output.
    /// The helper gets its own process group so that a timeout kills whatever it started too.
    func run(_ verb: String, input: [UInt8]) throws(ClientError) -> Output {
        // The input is written whole before the helper starts, so a helper that never reads it
        // cannot block Klein and no SIGPIPE can arise; it must fit the pipe's buffer.
        guard input.count <= 16 * 1024 else {
            throw .credentialHelper(name: name, reason: "\(verb) input is too large")
        }
        let running: RunningProcess
        do throws(SystemError) {
            let (inputRead, inputWrite) = try POSIXFile.pipe()
            try inputWrite.writeAll(input)
            try inputWrite.close()
            var environment = environment
            if environment["PATH"] == nil { environment["PATH"] = "/usr/local/bin:/usr/bin:/bin" }
            var launch = ProcessLaunch(executable, [verb], environment: environment)
            launch.standardInput = .file(inputRead)
            launch.standardOutput = .pipe
            launch.standardError = .pipe
            running = try launch.start()
        } catch {
            throw .system(error)
        }
        let process = running.process
        let deadline = ContinuousClock.now + timeout
        var output = Output(termination: .exited(0), standardOutput: [], standardError: [])
        do throws(ClientError) {
            try collect(running.standardOutput!, running.standardError!, into: &output, verb: verb, until: deadline)
            guard let termination = process.waitUntilExit(deadline: deadline) else { throw timedOut(verb) }
            output.termination = termination
        } catch {
            process.signal(SIGKILL, group: true)
            _ = process.waitUntilExit()
            throw error
        }
        return output
    }

    /// Reads standard output and standard error until both close, the output grows too large, or the deadline.
    private func collect(
        _ stdout: POSIXFile, _ stderr: POSIXFile, into output: inout Output, verb: String,
        until deadline: ContinuousClock.Instant
    ) throws(ClientError) {
        let files = [stdout, stderr]
        var fds = files.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while fds.contains(where: { $0.fd >= 0 }) {
            let ready = poll(&fds, nfds_t(fds.count), try milliseconds(until: deadline, verb: verb))
            if ready < 0 {
                if errno == EINTR { continue }
                throw .system(SystemError(operation: "poll the output of", path: executable, errno: errno))
            }
            for index in fds.indices where fds[index].fd >= 0 && fds[index].revents != 0 {
                let count = (try? buffer.withUnsafeMutableBytes { (raw) throws(SystemError) in try files[index].read(into: raw) }) ?? 0
                if count == 0 {
                    fds[index].fd = -1
                    continue
                }
                if index == 0 {
                    output.standardOutput += buffer[..<count]
                } else {
                    output.standardError += buffer[..<count]
                }
                guard output.standardOutput.count + output.standardError.count <= Self.maximumOutput else {
                    throw .credentialHelper(name: name, reason: "\(verb) wrote more than \(Self.maximumOutput) bytes")
                }
            }
        }
    }

    /// The time left before `deadline` as a `poll` timeout; throws the timeout error once it has passed.
    private func milliseconds(until deadline: ContinuousClock.Instant, verb: String) throws(ClientError) -> Int32 {
        let left = ContinuousClock.now.duration(to: deadline)
        guard left > .zero else { throw timedOut(verb) }
        let (seconds, attoseconds) = left.components
        return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
    }

    private func timedOut(_ verb: String) -> ClientError {
        .credentialHelper(name: name, reason: "\(verb) did not finish within \(timeout) and was killed")
    }
}
