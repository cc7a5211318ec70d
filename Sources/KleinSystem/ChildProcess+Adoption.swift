#if canImport(Glibc)
import Glibc
#endif

extension ChildProcess {
    /// Makes this process a child subreaper (`prctl(PR_SET_CHILD_SUBREAPER)`): a descendant orphaned by
    /// its parent, such as a container's init once `runc create` has exited, becomes this process's
    /// child, so it can be waited for and its exit status read. Idempotent.
    package static func becomeSubreaper() throws(SystemError) {
        guard let prctl = prctlFunction else { throw SystemError(operation: "prctl", path: "PR_SET_CHILD_SUBREAPER", errno: ENOSYS) }
        guard prctl(36 /* PR_SET_CHILD_SUBREAPER */, 1, 0, 0, 0) == 0 else { throw .current("prctl", "PR_SET_CHILD_SUBREAPER") }
    }

    /// A process this one adopted as a subreaper (see ``becomeSubreaper()``), named by its id: it is
    /// waited for and signalled like a child this process started. The caller must know `pid` is its
    /// child now; a process that is not is reported as exited with status 0.
    package static func adopted(pid: pid_t) -> ChildProcess { ChildProcess(pid: pid) }

    /// glibc's `prctl`, which is variadic in C and so not visible to Swift; called with its five
    /// integer arguments, as the kernel takes them.
    private static let prctlFunction: (@convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32)? =
        dlsym(nil, "prctl").map { unsafeBitCast($0, to: (@convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32).self) }
}
