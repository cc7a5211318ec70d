import KleinSystem
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Joins a container's pseudo-terminal to this process's standard streams (`klein run -t`): what the
/// container writes is copied to standard output; with `interactive`, standard input is copied to it,
/// and a terminal on standard input is put in raw mode (keys, Ctrl-C included, reach the container
/// as typed) until ``finish(within:)``. The terminal's size is the caller's, and follows it when it
/// changes (SIGWINCH), as `docker run -t` does.
final class TerminalRelay: Sendable {
    private let master: UncheckedFile
    private let saved: Mutex<termios?>
    private let drained = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    private let resizes: Mutex<SignalHandler?>

    init(master file: POSIXFile, interactive: Bool) {
        master = UncheckedFile(file)
        let master = self.master
        if isatty(STDOUT_FILENO) == 1 {
            Self.copySize(to: file.fd)
            resizes = Mutex(SignalHandler([SIGWINCH]) { _ in Self.copySize(to: master.file.fd) })
        } else {
            resizes = Mutex(nil)
        }
        var original = termios()
        if interactive, isatty(STDIN_FILENO) == 1, tcgetattr(STDIN_FILENO, &original) == 0 {
            var raw = original
            cfmakeraw(&raw)
            tcsetattr(STDIN_FILENO, TCSANOW, &raw)
            saved = Mutex(original)
        } else {
            saved = Mutex(nil)
        }
        detachBackgroundThread { [self] in
            Self.copy(from: master.file.fd, to: STDOUT_FILENO)
            let waiters = drained.withLock { state in
                state.done = true
                defer { state.waiters = [] }
                return state.waiters
            }
            waiters.forEach { $0.resume() }
        }
        if interactive {
            detachBackgroundThread { Self.copy(from: STDIN_FILENO, to: master.file.fd) }
        }
    }

    /// Waits (at most `timeout`) until everything the container wrote has been copied, then gives the
    /// terminal its mode back.
    func finish(within timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let done = self.drained.withLock { state in
                        if !state.done { state.waiters.append(continuation) }
                        return state.done
                    }
                    if done { continuation.resume() }
                }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
        restore()
    }

    /// Gives standard input's terminal the mode it had, and stops following its size.
    func restore() {
        resizes.withLock { resizes in
            resizes?.cancel()
            resizes = nil
        }
        saved.withLock { saved in
            if var original = saved { tcsetattr(STDIN_FILENO, TCSANOW, &original) }
            saved = nil
        }
    }

    /// Copies until the end of `source` or an error (the master reads EIO once the container's side is closed).
    private static func copy(from source: Int32, to target: Int32) {
        var buffer = [UInt8](repeating: 0, count: 32 << 10)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(source, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            let written: Bool = buffer.withUnsafeBytes { raw in
                (try? POSIXFile.writeAll(UnsafeRawBufferPointer(rebasing: raw[..<count]), to: target, path: "the terminal")) != nil
            }
            guard written else { return }
        }
    }

    /// Gives the container's terminal the size of ours (standard output's).
    private static func copySize(to master: Int32) {
        var size = winsize()
        if let ioctl, ioctl(STDOUT_FILENO, 0x5413 /* TIOCGWINSZ */, &size) == 0 {
            _ = ioctl(master, 0x5414 /* TIOCSWINSZ */, &size)
        }
    }

    /// glibc's `ioctl`, variadic in C and so not visible to Swift, with a pointer argument.
    private static let ioctl: (@convention(c) (Int32, UInt, UnsafeMutableRawPointer) -> Int32)? =
        dlsym(nil, "ioctl").map { unsafeBitCast($0, to: (@convention(c) (Int32, UInt, UnsafeMutableRawPointer) -> Int32).self) }
}
