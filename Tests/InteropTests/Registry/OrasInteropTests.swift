import Foundation
import Testing

/// oras-py, the ORAS Python SDK, pushes artifacts and a referrer to `klein serve`, pulls them back and
/// finds the referrer through the referrers API (oras_roundtrip.py beside this file does the client side).
@Suite struct OrasInteropTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("oras_roundtrip.py").path

    @Test func orasPyRoundTripWithReferrers() throws {
        let python = try Tools.path(of: "python3")
        let probe = try Tools.run(python, ["-c", "import oras.provider"])
        try #require(probe.succeeded, "the Python module `oras` (oras-py) is missing; run scripts/test, which installs it: \(probe.stderr)")

        let scratch = try Scratch()
        let server = try KleinServe(scratch: scratch)
        let client = try Tools.start(python, [Self.script, server.host, "\(scratch.path)/oras", "--referrers"])
        let deadline = Date().addingTimeInterval(300)
        while client.process.isRunning && Date() < deadline { usleep(50_000) }
        let timedOut = client.process.isRunning
        if timedOut { kill(client.process.processIdentifier, SIGKILL) }
        client.process.waitUntilExit()
        let result = client.finish()
        server.stop()

        #expect(!timedOut, "oras_roundtrip.py did not finish within 300 s; klein serve said: \(server.log)")
        #expect(result.succeeded, "oras_roundtrip.py \(server.host) failed (\(result.status)): \(result.stderr)\nklein serve said: \(server.log)")
        #expect(result.stdout.contains("(listed by the referrers API)"), "oras_roundtrip.py printed: \(result.stdout)")
    }
}
