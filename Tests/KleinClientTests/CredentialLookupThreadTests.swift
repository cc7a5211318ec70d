import Foundation
@testable import KleinClient
import Synchronization
import Testing

/// A credential lookup may run a credential helper, whose output is read with blocking calls; it runs on
/// a thread of its own, so lookups waiting on slow helpers never hold Swift's cooperative threads.
@Suite struct CredentialLookupThreadTests {
    /// More lookups than the cooperative pool has threads, each blocked until this test's own task
    /// opens a gate. Were they run on cooperative threads, that task could not run: each lookup gives up
    /// after 30 s and finds no credential, and the test fails.
    @Test(.timeLimit(.minutes(1))) func blockedLookupsLeaveCooperativeThreadsFree() async throws {
        let session = RegistrySession()
        let lookups = ProcessInfo.processInfo.activeProcessorCount + 2
        let started = Atomic<Int>(0)
        let gate = Atomic<Bool>(false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<lookups {
                let authenticator = Authenticator(registry: "registry.test", http: session.http) { () throws(ClientError) -> RegistryCredential? in
                    started.add(1, ordering: .sequentiallyConsistent)
                    let deadline = ContinuousClock.now + .seconds(30)
                    while !gate.load(ordering: .sequentiallyConsistent) {
                        if ContinuousClock.now > deadline { return nil }
                        usleep(1_000)
                    }
                    return .basic(username: "user", password: "secret")
                }
                group.addTask {
                    let credential = try await authenticator.storedCredential()
                    #expect(credential != nil)
                }
            }
            while started.load(ordering: .sequentiallyConsistent) < lookups { try await Task.sleep(for: .milliseconds(5)) }
            gate.store(true, ordering: .sequentiallyConsistent)
            try await group.waitForAll()
        }
        await session.shutdown()
    }
}
