import Foundation
import Testing
@testable import KleinSystem

/// `WriteBehind` and `WorkerThreads`: every byte and every job reaches its thread, in order, and
/// `finish()` or dropping them waits for that.
@Suite struct BackgroundThreadsTests {
    /// Collects what a consumer thread was handed; read only after `finish()`.
    final class Collected: @unchecked Sendable {
        var bytes: [UInt8] = []
        var chunks = 0
    }

    @Test(arguments: [1, 7, 64, 1000, 4096])
    func writeBehindHandsOverEveryByteInOrder(writeSize: Int) {
        let bytes = (0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        let collected = Collected()
        let behind = WriteBehind(chunkSize: 1024, slots: 2) { chunk in
            collected.bytes += chunk
            collected.chunks += 1
        }
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let end = min(offset + writeSize, buffer.count)
                behind.write(UnsafeRawBufferPointer(rebasing: buffer[offset..<end]))
                offset = end
            }
        }
        behind.finish()
        #expect(collected.bytes == bytes)
        #expect(collected.chunks == 20)  // 19 full chunks of 1024 and the rest
        behind.finish()  // a second finish changes nothing
        #expect(collected.bytes == bytes)
    }

    @Test func writeBehindWithNothingWrittenOrDroppedUnfinished() {
        let empty = Collected()
        WriteBehind { empty.bytes += $0 }.finish()
        #expect(empty.bytes.isEmpty)

        let dropped = Collected()
        do {
            let behind = WriteBehind(chunkSize: 16, slots: 2) { dropped.bytes += $0 }
            [UInt8](repeating: 9, count: 40).withUnsafeBytes { behind.write($0) }
        }
        // Dropping waits for the consumer, which has then seen the partial last chunk too.
        #expect(dropped.bytes == [UInt8](repeating: 9, count: 40))
    }

    @Test func workerThreadsRunEverySubmittedJob() {
        let lock = NSLock()
        let collected = Collected()
        let done = DispatchSemaphore(value: 0)
        do {
            let threads = WorkerThreads(count: 3)
            for index in 0..<200 {
                threads.submit {
                    lock.withLock { collected.bytes.append(UInt8(index % 256)) }
                    done.signal()
                }
            }
        }
        for _ in 0..<200 { done.wait() }
        #expect(collected.bytes.count == 200)
        #expect(Set(collected.bytes).count == 200)
    }
}
