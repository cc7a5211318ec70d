import Foundation
import Testing

/// Fixtures for build tests: a git repository, a file served over HTTP, a pinned Debian package.
enum BuildFixtures {
    /// Creates a git repository at `path` with `files` committed; returns the commit id.
    @discardableResult
    static func gitRepository(at path: String, files: [String: String]) throws -> String {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Tools.peer("git", "init", "--quiet", path)
        for (name, contents) in files {
            let url = URL(fileURLWithPath: "\(path)/\(name)")
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(contents.utf8).write(to: url)
        }
        try Tools.peer("git", "-C", path, "add", ".")
        try Tools.peer("git", "-C", path, "-c", "user.email=test@klein", "-c", "user.name=test", "commit", "--quiet", "-m", "fixture")
        return try Tools.peer("git", "-C", path, "rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func sha256(of path: String) throws -> String {
        String(try Tools.peer("sha256sum", path).prefix(64))
    }

    /// The candidate version of a Debian package and the SHA-256 of its .deb, as apt knows them now.
    static func pinnedPackage(_ name: String) throws -> (version: String, sha256: String) {
        let policy = try Tools.peer("apt-cache", "policy", name)
        let version = try #require(policy.split(separator: "\n").first { $0.contains("Candidate:") }?.split(separator: " ").last.map(String.init),
                                   "apt-cache policy \(name): \(policy)")
        #expect(version != "(none)", "apt has no candidate for \(name); run apt-get update")
        let show = try Tools.peer("apt-cache", "show", "\(name)=\(version)")
        let sha = try #require(show.split(separator: "\n").first { $0.hasPrefix("SHA256:") }?.split(separator: " ").last.map(String.init))
        return (version, sha)
    }
}

/// `python3 -m http.server` on 127.0.0.1 serving a directory, stopped on deinit.
final class StaticFileServer {
    let port: Int
    private let process: RunningProcess

    init(directory: String) throws {
        let socket = try Tools.run("python3", ["-c", "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"])
        port = Int(socket.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        process = try Tools.start("python3", ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", directory])
        for _ in 0..<100 {
            if (try? Tools.run("python3", ["-c", "import socket; socket.create_connection(('127.0.0.1', \(port)), 1)"]))?.succeeded == true { return }
            usleep(50_000)
        }
        throw PeerMissing(program: "python3 -m http.server (did not start)")
    }

    deinit {
        process.process.killAndWait()  // SIGKILL: children of Foundation's Process may have SIGTERM blocked
        _ = process.finish()
    }

    func url(_ name: String) -> String { "http://127.0.0.1:\(port)/\(name)" }
}
