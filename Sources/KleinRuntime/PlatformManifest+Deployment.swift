import KleinPlatform

extension PlatformManifest {
    /// The deployment-time settings this manifest gives a container: process overrides, env, ports,
    /// resources, volumes, secrets and GPUs. A manifest always grants a writable root file system
    /// (`resources.disk`).
    public var deployment: Deployment {
        var deployment = Deployment()
        deployment.app = app
        let process = self.process
        deployment.entrypoint = process.entrypoint
        deployment.cmd = process.cmd
        deployment.workdir = process.workdir
        deployment.user = process.user
        deployment.environment = process.env.sorted { $0.key < $1.key }.map { .set(name: $0.key, value: $0.value) }
        deployment.ports = ports.map { Deployment.Port(port: $0.port, transport: $0.transport) }
        let resources = self.resources
        deployment.memoryLimit = resources.memoryBytes
        deployment.millicores = resources.millicores
        deployment.pidsLimit = resources.pids
        deployment.writableRoot = resources.diskBytes > 0
        deployment.gpus = resources.gpus.map { Deployment.GPURequest(count: Int($0.count), kind: $0.kind) }
        deployment.volumes = volumes.map { Deployment.Volume(name: $0.name, path: $0.path, readOnly: $0.readOnly) }
        deployment.secrets = secrets.map { Deployment.Secret(name: $0.name, path: $0.path, mode: $0.mode, uid: UInt32($0.uid), gid: UInt32($0.gid)) }
        return deployment
    }
}
