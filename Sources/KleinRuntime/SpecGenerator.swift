import KleinArchive
import KleinOCI
import KleinPlatform
import KleinSystem

/// Builds a bundle's `config.json`: the image config converted per image-spec conversion.md, on the
/// secure defaults (`DefaultSpec`), with the deployment's settings merged in and the node's volumes,
/// secrets and GPUs attached. Image data only ever fills process fields, annotations and
/// container-private volumes: devices, host paths and capabilities come from the node and the defaults.
public struct SpecGenerator {
    /// The image config converted.
    public let config: ImageConfiguration
    /// The image's unpacked root file system, read for `/etc/passwd`, `/etc/group` and volume owners.
    public let root: ContainedRoot
    /// The settings merged in.
    public let deployment: Deployment
    /// The node's volumes, secrets and GPUs.
    public let node: NodeConfiguration

    /// Image volumes beyond this many are refused.
    static let imageVolumeLimit = 64
    /// Label prefixes that runtimes act on (crun's `run.oci.*`, runc's `org.systemd.property.*` and
    /// `org.criu.*`, CDI device requests, …): copying them from an image would let it change how it is run.
    static let runtimeAnnotationPrefixes = [
        "run.oci.", "org.systemd.property.", "org.criu.", "io.kubernetes.cri", "module.wasm.image/", "io.katacontainers.", "dev.gvisor.", "cdi.k8s.io/", "nvidia.com/", "dev.klein.",
    ]

    /// A generator for `config` unpacked at `root`, with `deployment` on `node`.
    public init(config: ImageConfiguration, root: ContainedRoot, deployment: Deployment, node: NodeConfiguration) {
        self.config = config
        self.root = root
        self.deployment = deployment
        self.node = node
    }

    /// The bundle plan: `config.json` and the preparations, with warnings; changes nothing.
    public func plan() throws(RuntimeError) -> BundlePlan {
        var plan = BundlePlan(spec: RuntimeSpec(process: try process(), root: RuntimeSpec.Root(readonly: !deployment.writableRoot),
                                                hostname: deployment.app ?? "klein", mounts: DefaultSpec.mounts, annotations: [:],
                                                linux: linux()), preparations: [], warnings: [])
        plan.spec.annotations = annotations(warnings: &plan.warnings)
        try addWorkingDirectory(to: &plan)
        try addMounts(to: &plan)
        try addGPUs(to: &plan)
        return plan
    }

    var execution: ImageConfiguration.ExecutionConfig { config.config ?? ImageConfiguration.ExecutionConfig() }

    /// The working directory as the deployment or the image wrote it (default `/`).
    var declaredWorkdir: String { deployment.workdir ?? execution.workingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/" }

    /// conversion.md, "Verbatim Fields" and "Config.User", after the deployment's overrides: a new
    /// entrypoint drops the image's Cmd unless the deployment sets one too.
    func process() throws(RuntimeError) -> RuntimeSpec.Process {
        let entrypoint = deployment.entrypoint ?? execution.entrypoint ?? []
        let cmd = deployment.cmd ?? (deployment.entrypoint == nil ? execution.cmd : nil) ?? []
        let args = entrypoint + cmd
        guard !args.isEmpty else {
            throw .image("nothing to run: the image has no Entrypoint or Cmd and the deployment sets neither process.entrypoint nor process.cmd")
        }
        // Cleaned as runc cleans it, so `/a/../proc` is checked as the `/proc` it is.
        let cwd = PathText.isAbsolute(declaredWorkdir) ? ContainedRoot.clean(declaredWorkdir) : declaredWorkdir
        let user = try UserSpecification(text: deployment.user ?? execution.user ?? "").resolve(in: root)
        return RuntimeSpec.Process(user: user, args: args, env: try environment(), cwd: cwd,
                                   capabilities: RuntimeSpec.Capabilities(DefaultSpec.capabilities), rlimits: DefaultSpec.rlimits)
    }

    /// The image's `Env` as written, a default `PATH` when it sets none, then the deployment's changes:
    /// a set replaces every entry of its name (keeping the first one's place), an unset removes them.
    func environment() throws(RuntimeError) -> [String] {
        var entries = execution.env ?? []
        for (index, entry) in entries.enumerated() {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex, !entry.contains("\0") else {
                throw .image("Env[\(index)] \"\(entry)\" is not NAME=VALUE")
            }
        }
        func name(_ entry: String) -> Substring { entry[..<(entry.firstIndex(of: "=") ?? entry.endIndex)] }
        if !entries.contains(where: { name($0) == "PATH" }) { entries.append(DefaultSpec.path) }
        for change in deployment.environment {
            switch change {
            case let .set(key, value):
                let entry = "\(key)=\(value)"
                if let first = entries.firstIndex(where: { name($0) == key }) {
                    entries[first] = entry
                    entries = entries.enumerated().filter { $0.offset == first || name($0.element) != key }.map(\.element)
                } else {
                    entries.append(entry)
                }
            case let .unset(key):
                entries.removeAll { name($0) == key }
            }
        }
        return entries
    }

    /// conversion.md, "Annotation Fields" and "Config.ExposedPorts": implicit annotations, overridden
    /// by labels; labels in a namespace runtimes act on are dropped with a warning.
    func annotations(warnings: inout [String]) -> [String: String] {
        var result: [String: String] = [:]
        result["org.opencontainers.image.os"] = config.os
        result["org.opencontainers.image.architecture"] = config.architecture
        result["org.opencontainers.image.variant"] = config.variant
        result["org.opencontainers.image.os.version"] = config.osVersion
        result["org.opencontainers.image.os.features"] = config.osFeatures.map { $0.joined(separator: ",") }
        result["org.opencontainers.image.author"] = config.author
        result["org.opencontainers.image.created"] = config.created
        result["org.opencontainers.image.stopSignal"] = execution.stopSignal
        let ports = exposedPorts()
        if !ports.isEmpty { result["org.opencontainers.image.exposedPorts"] = ports.joined(separator: ",") }
        for (key, value) in (execution.labels ?? [:]).sorted(by: { $0.key < $1.key }) {
            if Self.runtimeAnnotationPrefixes.contains(where: key.hasPrefix) {
                warnings.append("the image label \(key) was not converted to an annotation: runtimes act on that namespace")
            } else {
                result[key] = value
            }
        }
        result["dev.klein.app"] = deployment.app
        result["dev.klein.release"] = deployment.release?.description
        return result
    }

    /// The image's `ExposedPorts` keys as written, then the deployment's ports it lacks, by port number.
    func exposedPorts() -> [String] {
        func normalized(_ key: String) -> String { key.contains("/") ? key.lowercased() : key + "/tcp" }
        var keys = Array((execution.exposedPorts ?? [:]).keys)
        let present = Set(keys.map(normalized))
        keys += deployment.ports.map { "\($0.port)/\($0.transport)" }.filter { !present.contains($0) }
        return Set(keys).sorted { (Int($0.prefix { $0.isNumber }) ?? 0, $0) < (Int($1.prefix { $0.isNumber }) ?? 0, $1) }
    }

    func linux() -> RuntimeSpec.Linux {
        var resources = RuntimeSpec.Resources(devices: [DefaultSpec.denyAllDevices], memoryLimit: deployment.memoryLimit,
                                              pidsLimit: deployment.pidsLimit)
        if let millicores = deployment.millicores {
            resources.cpuPeriod = DefaultSpec.cpuPeriod
            resources.cpuQuota = max(DefaultSpec.minimumCPUQuota, millicores * Int64(DefaultSpec.cpuPeriod) / 1000)
            resources.cpuShares = UInt64(min(max(2, millicores * 1024 / 1000), 262_144))
        }
        return RuntimeSpec.Linux(namespaces: DefaultSpec.namespaces, devices: [], resources: resources, cgroupsPath: nil,
                                 maskedPaths: DefaultSpec.maskedPaths, readonlyPaths: DefaultSpec.readonlyPaths)
    }

    /// The working directory must be absolute and lead, symlinks followed inside the image, outside
    /// `/proc`, `/sys` and `/dev` (a `/proc/self/fd/N` working directory is a known container escape).
    /// A missing one is created.
    func addWorkingDirectory(to plan: inout BundlePlan) throws(RuntimeError) {
        let cwd = plan.spec.process.cwd, declared = declaredWorkdir
        guard PathText.isAbsolute(cwd) else { throw .image("WorkingDir \"\(declared)\" is not an absolute path") }
        let resolved: String
        do { resolved = try root.resolvedPath(cwd) } catch { throw .unsafeImage("WorkingDir \(error)") }
        guard !DefaultSpec.isUnderKernelRoot(resolved) else {
            throw .unsafeImage("WorkingDir \"\(declared)\" leads to \(resolved), inside the kernel's /\(PathText.components(resolved).dropFirst().first ?? ""); a working directory must be in the image's own files")
        }
        let status: ContainedRoot.Status?
        do { status = try root.status(of: cwd) } catch { throw .unsafeImage("WorkingDir \(error)") }
        if let status {
            guard status.kind == .directory else { throw .image("WorkingDir \"\(declared)\" is a \(status.kind) in the image, not a directory") }
            return
        }
        // Missing: created, unless something on the way is not a directory.
        var prefix = ""
        for component in PathText.components(resolved) where !component.isEmpty {
            prefix += "/\(component)"
            let kind: ContainedRoot.Status.Kind?
            do { kind = try root.status(of: prefix)?.kind } catch { throw .unsafeImage("WorkingDir \(error)") }
            guard let kind else { break }
            guard kind == .directory else { throw .image("WorkingDir \"\(declared)\" cannot be created: \(prefix) is a \(kind) in the image, not a directory") }
        }
        plan.preparations.append(.directory(path: resolved))
    }
}
