import KleinSystem

/// An OCI runtime's container life cycle (runtime-spec runtime.md, "Operations"), asynchronous:
/// nothing here blocks a cooperative thread. runc and crun implement it through their command lines
/// (``OCIRuntime``); a microVM runtime is one more conforming type.
///
/// A failure of the runtime itself (it cannot be started, `create` fails) is a `RuntimeError.runtime`,
/// never a container's exit code.
public protocol ContainerRuntime: Sendable {
    /// Creates container `id` from the bundle: its process is set up, not started. `io` says where
    /// the process's standard streams go.
    func create(id: String, bundle: String, io: ContainerIO) async throws(RuntimeError)
    /// Starts the process of a created container.
    func start(id: String) async throws(RuntimeError)
    /// The container's state as the runtime knows it; nil when it has no such container.
    func state(id: String) async throws(RuntimeError) -> ContainerState?
    /// Sends `signal` to the container's process.
    func kill(id: String, signal: Int32) async throws(RuntimeError)
    /// Deletes the container's runtime state; `force` kills a process still running first.
    /// Deleting a container the runtime does not have is not an error.
    func delete(id: String, force: Bool) async throws(RuntimeError)
    /// Waits until the container's process has ended. Returns how it ended when this process is its
    /// parent (it created the container); nil when the container was adopted (created by a process
    /// since gone), whose exit status no one but its parent can read.
    func wait(id: String) async throws(RuntimeError) -> ProcessTermination?
    /// Every container the runtime has.
    func list() async throws(RuntimeError) -> [ContainerState]
}
