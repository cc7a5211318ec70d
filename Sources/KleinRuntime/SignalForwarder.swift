import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Holds the signals `klein run` forwards from the moment it starts: one that arrives before the
/// runtime is running is kept (the run then stops before starting a container, and cleans up, or,
/// when it came while the runtime was being started, is sent to it as soon as it runs);
/// later ones are sent to the runtime, which passes them to the container's process.
final class SignalForwarder: @unchecked Sendable {
    static let signals = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2]

    /// Every handler and every access to the state below runs on this queue.
    private let queue = DispatchQueue(label: "klein.signals")
    private var sources: [DispatchSourceSignal] = []
    private var target: pid_t?
    private var held: Int32?

    init() {
        for number in Self.signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [unowned self] in
                if let target { kill(target, number) } else if held == nil { held = number }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// The first signal that arrived before `forward(to:)`, if any.
    var pending: Int32? { queue.sync { held } }

    /// From now on signals go to `pid`; one held until now (after the caller last saw `pending`) goes there at once.
    func forward(to pid: pid_t) {
        queue.sync {
            target = pid
            if let held { kill(pid, held) }
        }
    }

    /// Stops forwarding; the signals get their default actions back.
    func stop() {
        queue.sync {
            sources.forEach { $0.cancel() }
            sources = []
            target = nil
        }
        Self.signals.forEach { signal($0, SIG_DFL) }
    }
}
