import Foundation
import KleinRuntime
import Testing

/// Which OCI runtime `klein run` uses: a flag or node.toml names one, else runc, else crun on PATH.
struct ContainerRunnerTests {
    /// A directory holding empty executables with these names.
    static func directory(with programs: [String]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("klein-runtimes-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for program in programs {
            #expect(FileManager.default.createFile(atPath: "\(path)/\(program)", contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o755]))
        }
        return path
    }

    @Test func runcIsPreferredThenCrun() throws {
        let both = try Self.directory(with: ["crun", "runc"])
        let onlyCrun = try Self.directory(with: ["crun"])
        defer { [both, onlyCrun].forEach { try? FileManager.default.removeItem(atPath: $0) } }
        #expect(try ContainerRunner(preferred: nil, path: "\(onlyCrun):\(both)").runtime == "\(both)/runc")
        #expect(try ContainerRunner(preferred: nil, path: both).runtime == "\(both)/runc")
        #expect(try ContainerRunner(preferred: nil, path: onlyCrun).runtime == "\(onlyCrun)/crun")
        #expect(try ContainerRunner(preferred: "crun", path: both).runtime == "\(both)/crun")
        #expect(try ContainerRunner(preferred: "\(both)/runc", path: onlyCrun).runtime == "\(both)/runc")
    }

    @Test func aMissingRuntimeIsAClearError() throws {
        let empty = try Self.directory(with: [])
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect {
            try ContainerRunner(preferred: nil, path: empty)
        } throws: { error in
            "\(error)".contains("no OCI runtime found") && "\(error)".contains("runc, crun")
        }
    }
}
