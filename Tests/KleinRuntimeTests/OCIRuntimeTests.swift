import Foundation
import KleinRuntime
import Testing

/// Which OCI runtime `klein run` uses: a flag or node.toml names one, else runc, else crun on PATH.
struct OCIRuntimeTests {
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
        #expect(try OCIRuntime(preferred: nil, path: "\(onlyCrun):\(both)").executable == "\(both)/runc")
        #expect(try OCIRuntime(preferred: nil, path: both).executable == "\(both)/runc")
        #expect(try OCIRuntime(preferred: nil, path: onlyCrun).executable == "\(onlyCrun)/crun")
        #expect(try OCIRuntime(preferred: "crun", path: both).executable == "\(both)/crun")
        #expect(try OCIRuntime(preferred: "\(both)/runc", path: onlyCrun).executable == "\(both)/runc")
    }

    @Test func aMissingRuntimeIsAClearError() throws {
        let empty = try Self.directory(with: [])
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect {
            try OCIRuntime(preferred: nil, path: empty)
        } throws: { error in
            "\(error)".contains("no OCI runtime found") && "\(error)".contains("runc, crun")
        }
    }
}
