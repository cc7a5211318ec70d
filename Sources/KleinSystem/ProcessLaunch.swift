#if canImport(Glibc)
import Glibc
#endif

/// What to start and how: the program, its arguments and environment, its working directory and its
/// three standard streams. `ProcessLaunch(...).start()` spawns it with `posix_spawn`.
package struct ProcessLaunch {
    /// Where a child's standard stream goes.
    package enum Stream {
        /// This process's own stream.
        case inherit
        /// `/dev/null`.
        case null
        /// A new pipe; the parent's end is in the started `RunningProcess`.
        case pipe
        /// An open file, pipe end or socket of the caller's.
        case file(POSIXFile)
    }

    /// The program's path (no search: find it first).
    package var executable: String
    /// `argv[1...]`; `argv[0]` is `executable`.
    package var arguments: [String]
    /// The whole environment; nil inherits this process's.
    package var environment: [String: String]?
    /// The working directory; nil inherits this process's.
    package var directory: String?
    package var standardInput: Stream = .null
    package var standardOutput: Stream = .inherit
    package var standardError: Stream = .inherit
    /// Signals the child starts with at their default action, whatever this process does with them.
    /// (Every signal starts unblocked.)
    package var defaultSignals: [Int32] = [SIGPIPE]
    /// Starts the child in a process group of its own (a terminal's Ctrl-C then does not reach it, and
    /// `RunningProcess.signal(_:group:)` reaches everything it started).
    package var newProcessGroup = true

    package init(_ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil, directory: String? = nil) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.directory = directory
    }
}
