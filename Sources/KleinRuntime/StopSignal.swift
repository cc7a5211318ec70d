#if canImport(Glibc)
import Glibc
#endif

/// The image config's `StopSignal` (image-spec config.md: "SIGNAME" or an unsigned number), as a
/// signal number.
enum StopSignal {
    static let names: [String: Int32] = [
        "HUP": SIGHUP, "INT": SIGINT, "QUIT": SIGQUIT, "ILL": SIGILL, "TRAP": SIGTRAP, "ABRT": SIGABRT, "IOT": SIGABRT,
        "BUS": SIGBUS, "FPE": SIGFPE, "KILL": SIGKILL, "USR1": SIGUSR1, "SEGV": SIGSEGV, "USR2": SIGUSR2, "PIPE": SIGPIPE,
        "ALRM": SIGALRM, "TERM": SIGTERM, "STKFLT": SIGSTKFLT, "CHLD": SIGCHLD, "CONT": SIGCONT, "STOP": SIGSTOP,
        "TSTP": SIGTSTP, "TTIN": SIGTTIN, "TTOU": SIGTTOU, "URG": SIGURG, "XCPU": SIGXCPU, "XFSZ": SIGXFSZ,
        "VTALRM": SIGVTALRM, "PROF": SIGPROF, "WINCH": SIGWINCH, "IO": SIGIO, "PWR": SIGPWR, "SYS": SIGSYS,
    ]

    /// The signal `text` names (`SIGQUIT`, `quit`, `3`, `SIGRTMIN+3`); nil for anything else.
    static func parse(_ text: String) -> Int32? {
        let upper = text.uppercased()
        let name = upper.hasPrefix("SIG") ? String(upper.dropFirst(3)) : upper
        if let number = Int32(name), (1..<65).contains(number) { return number }
        if let number = names[name] { return number }
        if name.hasPrefix("RTMIN+"), let offset = Int32(name.dropFirst(6)), (0...30).contains(offset) { return 34 + offset }
        return nil
    }

    /// The image's stop signal, SIGTERM when it names none; one it names wrongly is SIGTERM too, with a warning.
    static func of(_ image: RunnableImage, warn: (String) -> Void) -> Int32 {
        guard let text = image.config.config?.stopSignal, !text.isEmpty else { return SIGTERM }
        guard let number = parse(text) else {
            warn("the image's StopSignal \"\(text)\" is not a signal; SIGTERM stops the container")
            return SIGTERM
        }
        return number
    }
}
