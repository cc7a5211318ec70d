import KleinSystem
#if canImport(Glibc)
import Glibc
#endif

extension NodeRuntime {
    /// Cleans up after supervisors that were killed: the container of a foreground `klein run`
    /// killed with SIGKILL is killed and removed with its directory; a detached container whose
    /// supervisor was killed is re-adopted through its runtime state (a new supervisor follows it
    /// while it runs) or, when it has stopped, finished (its exit recorded as unknown). Staging
    /// directories of killed runs are removed. `klein run` and `klein rootfs prune` call it first.
    public func collect() async {
        guard let lock = try? containers.lock() else { return }
        defer { withExtendedLifetime(lock) {} }
        for staging in containers.abandonedStaging() { try? containers.removeDirectory(staging) }
        for record in containers.records() where containers.exit(of: record.id) == nil && record.supervisor?.isAlive != true {
            guard let runtime = try? OCIRuntime(preferred: record.runtime) else { continue }
            guard record.detached else {
                try? await runtime.delete(id: record.id, force: true)
                try? containers.remove(record.id)
                continue
            }
            if let state = try? await runtime.state(id: record.id), state.status.isAlive {
                guard let supervisor = try? startSupervisor(of: record.id, adopt: true) else { continue }
                // Recorded now, under the lock, so a concurrent collect does not adopt it twice.
                var adopted = record
                adopted.supervisor = ProcessIdentity.of(supervisor.process.pid)
                try? containers.update(adopted)
                _ = await OCIRuntime.readAll(supervisor.standardOutput)
            } else {
                await finish(record.id, runtime: runtime, outcome: .unknown("its supervisor was killed"))
            }
        }
    }

    /// Every container with its status, oldest first.
    public func listContainers() async -> [ContainerListing] {
        var listings: [ContainerListing] = []
        for record in containers.records() {
            listings.append(ContainerListing(record: record, status: await status(of: record)))
        }
        return listings
    }

    /// What the container is doing: its recorded exit, else its runtime's state, else (no runtime
    /// state, no supervisor) ended with an unknown status.
    public func status(of record: ContainerRecord) async -> ContainerListing.Status {
        if let outcome = containers.exit(of: record.id) { return .ended(outcome) }
        let supervised = record.supervisor?.isAlive == true
        if let runtime = try? OCIRuntime(preferred: record.runtime), let state = try? await runtime.state(id: record.id), state.status.isAlive {
            return state.status == .created ? .created : .running(pid: state.pid, supervised: supervised)
        }
        if let outcome = containers.exit(of: record.id) { return .ended(outcome) }
        return supervised ? .stopping : .ended(.unknown("its supervisor is gone"))
    }

    /// Stops the container `name` names: the image's StopSignal (or SIGTERM), then SIGKILL once
    /// `timeout` (default: the container's `--stop-timeout`) has passed, so a process that ignores
    /// the first still stops. Returns its record and status afterwards; one that is not running is
    /// left as it is.
    public func stop(_ name: String, timeout: Duration? = nil) async throws(RuntimeError) -> ContainerListing {
        let record = try containers.resolve(name)
        let runtime = try OCIRuntime(preferred: record.runtime)
        if let state = try await runtime.state(id: record.id), state.status.isAlive {
            try? await runtime.kill(id: record.id, signal: record.stopSignal)
            if !(await waitUntilEnded(record, runtime: runtime, within: timeout ?? .milliseconds(record.stopTimeoutMilliseconds))) {
                do { try await runtime.kill(id: record.id, signal: SIGKILL) } catch {
                    // It may have stopped between the wait and the kill; otherwise the runtime failed.
                    if let state = try await runtime.state(id: record.id), state.status.isAlive { throw error }
                }
                _ = await waitUntilEnded(record, runtime: runtime, within: .seconds(10))
            }
        }
        // A detached container whose supervisor was killed has no one else to finish it.
        if record.detached, containers.exit(of: record.id) == nil, (try? containers.record(record.id))?.supervisor?.isAlive != true,
           (try? await runtime.state(id: record.id))??.status.isAlive != true {
            await finish(record.id, runtime: runtime, outcome: .unknown("its supervisor was killed"))
        }
        return ContainerListing(record: record, status: await status(of: record))
    }

    /// Removes the container `name` names with its directory, log and runtime state. A running one is
    /// refused unless `force`, which kills it first. Returns its id.
    public func remove(_ name: String, force: Bool) async throws(RuntimeError) -> String {
        let record = try containers.resolve(name)
        let runtime = try OCIRuntime(preferred: record.runtime)
        let current = await status(of: record)
        if current.isAlive {
            guard force else { throw .container("\(record.id) is \(current): stop it first (klein container stop), or remove it with --force") }
            try? await runtime.kill(id: record.id, signal: SIGKILL)
        }
        _ = await waitUntilEnded(record, runtime: runtime, within: .seconds(10))
        try await runtime.delete(id: record.id, force: true)
        try containers.remove(record.id)
        return record.id
    }

    /// Whether the container's process has ended and (for a live supervisor) how has been recorded.
    public func hasEnded(_ record: ContainerRecord) async -> Bool {
        let status = await status(of: record)
        if case .ended = status { return true }
        return false
    }

    /// Polls until the container's process has ended and its supervisor has finished with it (its
    /// exit recorded, or its directory removed by a foreground run); false when `timeout` passed first.
    func waitUntilEnded(_ record: ContainerRecord, runtime: OCIRuntime, within timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            if containers.exit(of: record.id) != nil || access(containers.path(of: record.id), F_OK) != 0 { return true }
            let alive = (try? await runtime.state(id: record.id))??.status.isAlive ?? false
            if !alive && (!record.detached || record.supervisor?.isAlive != true) {
                // A detached container's supervisor may have been replaced; reread who supervises it.
                let current = (try? containers.record(record.id))?.supervisor
                if !record.detached || current?.isAlive != true { return true }
            }
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}
