import Foundation
import Testing
import KleinSystem

@Suite struct FileSystemTests {
    @Test func listingIsInByteOrderWithoutDotEntries() throws {
        try inTemporaryDirectory { directory in
            // "é" precomposed (C3 A9) and decomposed (65 CC 81) are equal as Swift strings, not as names.
            let names = ["b", "é", "a", "B", "e\u{301}", "a b", "_"]
            for name in names { try POSIXFile.open("\(directory)/\(name)", flags: O_WRONLY | O_CREAT).sync() }
            let listed = try FileSystem.list(directory)
            #expect(listed.map { Array($0.utf8) } == names.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) })
            #expect(try FileSystem.list("\(directory)/absent") == [])
            #expect(throws: SystemError.self) { try FileSystem.list("\(directory)/b") }
        }
    }

    @Test func listingAnOpenDescriptorLeavesItUsable() throws {
        try inTemporaryDirectory { directory in
            try FileSystem.makeDirectory("\(directory)/z")
            try FileSystem.makeDirectory("\(directory)/y")
            let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            defer { close(fd) }
            #expect(try FileSystem.list(descriptor: fd, path: directory) == ["y", "z"])
            #expect(try FileSystem.list(descriptor: fd, path: directory) == ["y", "z"])
        }
    }

    @Test func makeDirectoriesCreatesMissingParentsAndKeepsExistingOnes() throws {
        try inTemporaryDirectory { directory in
            try FileSystem.makeDirectories("\(directory)/a/b/c", mode: 0o700)
            #expect(FileSystem.isDirectory("\(directory)/a/b/c"))
            try FileSystem.makeDirectories("\(directory)/a/b")
            try POSIXFile.open("\(directory)/a/file", flags: O_WRONLY | O_CREAT).sync()
            #expect(throws: SystemError.self) { try FileSystem.makeDirectories("\(directory)/a/file/d") }
        }
    }

    @Test func atomicWriteSetsTheExactModeAndLeavesNoTemporaryFile() throws {
        try inTemporaryDirectory { directory in
            let previous = umask(0o077)
            defer { umask(previous) }
            try FileSystem.writeAtomically(Array("one".utf8), to: "\(directory)/target", scratch: directory, mode: 0o640)
            try FileSystem.writeAtomically(Array("two".utf8), to: "\(directory)/target", scratch: directory, mode: 0o640)
            #expect(try String(contentsOfFile: "\(directory)/target", encoding: .utf8) == "two")
            var info = stat()
            #expect(stat("\(directory)/target", &info) == 0 && info.st_mode & 0o777 == 0o640)
            #expect(try FileSystem.list(directory) == ["target"])
        }
    }

    @Test func failedAtomicWriteLeavesTheTargetAndNoPartialFile() throws {
        try inTemporaryDirectory { directory in
            // A non-empty directory cannot be replaced by a file: the rename fails after the data is written.
            try FileSystem.makeDirectories("\(directory)/target/inside")
            let scratch = "\(directory)/scratch"
            try FileSystem.makeDirectory(scratch)
            #expect {
                try FileSystem.writeAtomically(Array(repeating: 7, count: 100_000), to: "\(directory)/target", scratch: scratch)
            } throws: { error in
                (error as? SystemError)?.operation.hasPrefix("rename") == true
            }
            #expect(try FileSystem.list(scratch) == [])
            #expect(FileSystem.isDirectory("\(directory)/target/inside"))
        }
    }

    @Test func regularFileStatusRefusesDirectoriesAndReportsAbsence() throws {
        try inTemporaryDirectory { directory in
            let absent = try FileSystem.regularFileStatus("\(directory)/absent")
            #expect(absent == nil)
            #expect(throws: SystemError(operation: "open", path: directory, errno: EISDIR)) { try FileSystem.regularFileStatus(directory) }
        }
    }
}
