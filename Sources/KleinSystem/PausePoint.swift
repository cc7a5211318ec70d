#if canImport(Glibc)
import Glibc
#endif

/// A named place where a test can hold this process still, to act at one exact point of an operation
/// (one interleaving of a race, or a `kill -9` inside a transaction) instead of hoping for a timing.
/// With `KLEIN_PAUSE_AT=NAME=PATH` in the environment, reaching pause point NAME creates the file PATH
/// and waits until the test removes it; otherwise it returns at once.
package enum PausePoint {
    private static let armed: (name: String, path: String)? = {
        guard let value = getenv("KLEIN_PAUSE_AT") else { return nil }
        let setting = String(cString: value)
        guard let equals = setting.firstIndex(of: "=") else { return nil }
        return (String(setting[..<equals]), String(setting[setting.index(after: equals)...]))
    }()

    /// Waits at `name`, if armed there, without holding a thread.
    package static func reach(_ name: String) async {
        guard let path = announce(name) else { return }
        while access(path, F_OK) == 0 { try? await Task.sleep(for: .milliseconds(10)) }
    }

    /// Waits at `name`, if armed there, on the calling thread: for code that holds a lock or a
    /// transaction the pause must happen inside (never the shared pool's threads).
    package static func reachBlocking(_ name: String) {
        guard let path = announce(name) else { return }
        while access(path, F_OK) == 0 { usleep(10_000) }
    }

    /// Creates the armed point's file when `name` is the armed one, and returns its path.
    private static func announce(_ name: String) -> String? {
        guard let armed, armed.name == name else { return nil }
        close(open(armed.path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600))
        return armed.path
    }
}
