import Glibc
import Testing
@testable import KleinRuntime

/// The image config's StopSignal (image-spec config.md: a name or a number) as a signal number.
struct StopSignalTests {
    @Test(arguments: [("SIGQUIT", SIGQUIT), ("QUIT", SIGQUIT), ("sigusr1", SIGUSR1), ("9", SIGKILL), ("SIGRTMIN+3", 37), ("15", SIGTERM)])
    func namesAndNumbersAreSignals(text: String, number: Int32) {
        #expect(StopSignal.parse(text) == number)
    }

    @Test(arguments: ["", "SIG", "NOPE", "0", "65", "-9", "SIGRTMIN+31", "9x"])
    func anythingElseIsNot(text: String) {
        #expect(StopSignal.parse(text) == nil)
    }
}
