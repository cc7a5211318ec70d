#if canImport(Glibc)
import Glibc
#endif

extension ProcessLaunch {
    /// Spawns the child. A program being written elsewhere (`ETXTBSY`, e.g. by a process forked meanwhile
    /// that still has it open until its exec) is retried for up to a second.
    package func start() throws(SystemError) -> RunningProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Held until the child has its copies; the parent's ends of new pipes are returned.
        var keep: [POSIXFile] = []
        var parentEnds: [POSIXFile?] = []
        for (target, stream) in [(Int32(0), standardInput), (1, standardOutput), (2, standardError)] {
            switch stream {
            case .inherit:
                parentEnds.append(nil)
            case .null:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
                parentEnds.append(nil)
            case .pipe:
                let (read, write) = try POSIXFile.pipe()
                let (child, parent) = target == 0 ? (read, write) : (write, read)
                posix_spawn_file_actions_adddup2(&actions, child.fd, target)
                keep.append(child)
                parentEnds.append(parent)
            case let .file(file):
                posix_spawn_file_actions_adddup2(&actions, file.fd, target)
                parentEnds.append(nil)
            }
        }
        if let directory {
            guard let addChdir = Self.addChdir else { throw SystemError(operation: "change to directory", path: directory, errno: ENOSYS) }
            _ = addChdir(&actions, directory)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in defaultSignals { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if newProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let variables = environmentStrings().map { strdup($0) } + [nil]
        defer { (argv + variables).forEach { free($0) } }
        var pid: pid_t = 0
        var status = posix_spawn(&pid, executable, &actions, &attributes, argv, variables)
        for _ in 0..<50 where status == ETXTBSY {
            usleep(20_000)
            status = posix_spawn(&pid, executable, &actions, &attributes, argv, variables)
        }
        guard status == 0 else { throw SystemError(operation: "start", path: executable, errno: status) }
        return RunningProcess(
            process: ChildProcess(pid: pid),
            standardInput: parentEnds[0], standardOutput: parentEnds[1], standardError: parentEnds[2])
    }

    /// `NAME=value` strings: `environment` sorted by name, or this process's environment.
    private func environmentStrings() -> [String] {
        if let environment { return environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } }
        var strings: [String] = []
        var entry = environ
        while let pointer = entry.pointee {
            strings.append(String(cString: pointer))
            entry += 1
        }
        return strings
    }

    /// glibc's `posix_spawn_file_actions_addchdir_np` (2.29 and later), which its headers declare only
    /// under `_GNU_SOURCE`, so Swift cannot see it.
    private static let addChdir: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32)? =
        dlsym(nil, "posix_spawn_file_actions_addchdir_np").map { unsafeBitCast($0, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32).self) }
}

/// A started child and the parent's ends of the pipes it was given.
package struct RunningProcess {
    package let process: ChildProcess
    /// The pipe to the child's standard input, when it was `.pipe`; close it to signal the end.
    package let standardInput: POSIXFile?
    package let standardOutput: POSIXFile?
    package let standardError: POSIXFile?
}
