import Foundation
import Synchronization
import Testing
import KleinSystem

@Suite struct SignalHandlerTests {
    @Test func deliversEachSignalToTheHandlerUntilCancelled() async throws {
        let received = Mutex<[Int32]>([])
        let handler = SignalHandler([SIGWINCH, SIGURG]) { number in received.withLock { $0.append(number) } }
        // To the process, as `kill` from outside sends them (any thread may take them).
        kill(getpid(), SIGWINCH)
        kill(getpid(), SIGURG)
        let deadline = ContinuousClock.now + .seconds(60)
        while received.withLock({ $0.count }) < 2 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        handler.cancel()
        #expect(received.withLock { Set($0) } == [SIGWINCH, SIGURG])
        kill(getpid(), SIGWINCH)  // default action: ignored, and no handler runs any more
        try await Task.sleep(for: .milliseconds(50))
        #expect(received.withLock { $0.count } == 2)
    }
}
