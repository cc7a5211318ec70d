import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` on a thread of its own (`ReadAhead`, `WriteBehind`, `WorkerThreads`, a child process's
/// waiter). Not on Dispatch's global queue: its pool is as wide as the machine has cores, so stages
/// blocked on each other could wait for a thread; and never on Swift's cooperative pool, which blocking
/// calls would starve.
package func detachBackgroundThread(_ body: @escaping @Sendable () -> Void) {
    let context = Unmanaged.passRetained(BackgroundThreadBody(body)).toOpaque()
    var thread = pthread_t()
    guard pthread_create(&thread, nil, backgroundThreadEntry, context) == 0 else {
        Unmanaged<BackgroundThreadBody>.fromOpaque(context).release()
        DispatchQueue.global().async { body() }
        return
    }
    pthread_detach(thread)
}

/// A background thread's entry point: runs the body `context` holds, and releases it.
private func backgroundThreadEntry(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let context else { return nil }
    Unmanaged<BackgroundThreadBody>.fromOpaque(context).takeRetainedValue().run()
    return nil
}

/// The body of a background thread, passed through `pthread_create`'s context pointer.
private final class BackgroundThreadBody: Sendable {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

/// Runs blocking `work` on a thread of its own and suspends the calling task until it returns, so async
/// code can make a blocking call (a credential helper read with `poll`, a build tool run to completion)
/// without holding one of Swift's cooperative threads.
package func onBackgroundThread<Value: Sendable, Failure: Error>(
    _ work: @escaping @Sendable () throws(Failure) -> Value
) async throws(Failure) -> Value {
    let result: Result<Value, Failure> = await withCheckedContinuation { continuation in
        detachBackgroundThread {
            continuation.resume(returning: Result { () throws(Failure) -> Value in try work() })
        }
    }
    return try result.get()
}
