import Foundation
import Testing
import KleinSystem

@Suite struct POSIXFileTests {
    @Test func writesReadsAndReadsAtOffsets() throws {
        try inTemporaryDirectory { directory in
            let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            let file = try POSIXFile.open("\(directory)/f", flags: O_RDWR | O_CREAT | O_EXCL, mode: 0o600)
            try file.writeAll(bytes)
            try file.sync()
            #expect(try file.size() == 300_000)
            var buffer = [UInt8](repeating: 0, count: 10)
            let count = try buffer.withUnsafeMutableBytes { try file.read(into: $0, at: 123_456) }
            #expect(count == 10 && buffer == Array(bytes[123_456..<123_466]))
            let atEnd = try buffer.withUnsafeMutableBytes { try file.read(into: $0, at: 300_000) }
            #expect(atEnd == 0)
            try file.truncate(to: 5)
            let reread = try POSIXFile.open("\(directory)/f", flags: O_RDONLY)
            var all = [UInt8](repeating: 0, count: 64)
            #expect(try all.withUnsafeMutableBytes { try reread.readFully(into: $0) } == 5)
            #expect(Array(all.prefix(5)) == Array(bytes.prefix(5)))
        }
    }

    @Test func openFailureNamesThePathAndOperation() {
        #expect(throws: SystemError(operation: "open", path: "/nonexistent/klein", errno: ENOENT)) {
            try POSIXFile.open("/nonexistent/klein", flags: O_RDONLY)
        }
    }

    /// A pipe takes at most its buffer (64 KiB) per wakeup of the reader: a large write is completed in
    /// many partial writes, and a reader gets it in many short reads, all in order.
    @Test func pipeCarriesLargeWritesWholeAndInOrder() throws {
        let (read, write) = try POSIXFile.pipe()
        let bytes = (0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ $0 >> 12) }
        nonisolated(unsafe) let writeEnd = write
        let writer = Thread {
            try? writeEnd.writeAll(bytes)
            try? writeEnd.close()
        }
        writer.start()
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 10_000)
        while case let count = try buffer.withUnsafeMutableBytes({ try read.read(into: $0) }), count > 0 {
            received += buffer[..<count]
        }
        #expect(received == bytes)
    }

    @Test func closeReportsOnceAndPipesAreCloseOnExec() throws {
        let (read, write) = try POSIXFile.pipe()
        #expect(fcntl(read.fd, F_GETFD) & FD_CLOEXEC != 0)
        #expect(fcntl(write.fd, F_GETFD) & FD_CLOEXEC != 0)
        try write.close()
        try write.close()
        var byte: UInt8 = 0
        #expect(try withUnsafeMutableBytes(of: &byte) { try read.read(into: $0) } == 0)
    }
}
