import KleinArchive
import KleinOCI
import KleinSystem

extension SpecGenerator {
    /// Mounts after the defaults: the image's `Volumes` as container-private directories of the bundle
    /// (conversion.md, "Config.Volumes"), the deployment's named volumes from the node's volume
    /// directory, and its secrets, copied into the bundle and mounted read-only. A deployment mount
    /// replaces an image volume at the same path. Parents are mounted before what is below them.
    func addMounts(to plan: inout BundlePlan) throws(RuntimeError) {
        var mounts: [String: RuntimeSpec.Mount] = [:]
        let app = deployment.app
        if !deployment.volumes.isEmpty || !deployment.secrets.isEmpty, app == nil {
            throw .deployment("volumes and secrets need an app name: they live in the node's directories per app")
        }
        for volume in deployment.volumes {
            try Self.checkDeploymentMount(volume.path, what: "the volume \(volume.name)")
            let hostPath = "\(node.volumesDirectory)/\(app!)/\(volume.name)"
            let user = plan.spec.process.user
            plan.preparations.append(.namedVolume(hostPath: hostPath, uid: user.uid, gid: user.gid))
            mounts[volume.path] = .bind(hostPath, at: volume.path, readOnly: volume.readOnly)
        }
        for secret in deployment.secrets {
            try Self.checkDeploymentMount(secret.path, what: "the secret \(secret.name)")
            let hostPath = "\(node.secretsDirectory)/\(app!)/\(secret.name)"
            plan.preparations.append(.secret(hostPath: hostPath, source: "secrets/\(secret.name)", mode: secret.mode, uid: secret.uid, gid: secret.gid))
            mounts[secret.path] = .bind("secrets/\(secret.name)", at: secret.path, readOnly: true, noExec: true)
        }
        let volumes = (execution.volumes ?? [:]).keys.sorted()
        guard volumes.count <= Self.imageVolumeLimit else {
            throw .unsafeImage("the image declares \(volumes.count) Volumes; at most \(Self.imageVolumeLimit) are accepted")
        }
        for (index, declared) in volumes.enumerated() {
            let path = try imageVolumePath(declared)
            guard mounts[path] == nil else {
                plan.warnings.append("the image volume \(declared) is replaced by the deployment's mount there")
                continue
            }
            let status: ContainedRoot.Status?
            do { status = try root.status(of: path) } catch { throw .unsafeImage("the image volume \(error)") }
            if let status, status.kind != .directory {
                throw .image("the image volume \(declared) is a \(status.kind) in the image, not a directory")
            }
            let source = "volumes/\(index)"
            plan.preparations.append(.anonymousVolume(source: source, uid: status?.uid ?? 0, gid: status?.gid ?? 0,
                                                      permissions: status?.permissions ?? 0o755))
            mounts[path] = .bind(source, at: path, readOnly: false)
        }
        for path in mounts.keys.sorted() {
            try checkNoSymlinks(path)
            plan.preparations.append(.directory(path: path))
            plan.spec.mounts.append(mounts[path]!)
        }
    }

    /// A mountpoint is created as written, never through a symlink of the image: the mount must land
    /// exactly where the deployment says.
    func checkNoSymlinks(_ path: String) throws(RuntimeError) {
        let resolved: String
        do { resolved = try root.resolvedPath(path) } catch { throw .unsafeImage("the mount path \(error)") }
        guard resolved == path else {
            throw .unsafeImage("the mount path \(path) goes through a symlink in the image (it leads to \(resolved)); mounts are never made through symlinks")
        }
    }

    /// Where an image volume goes: cleaned, then resolved inside the image as runc resolves a mount
    /// destination (so Debian's `/var/run -> /run` is followed), and never `/` or a kernel file system.
    func imageVolumePath(_ declared: String) throws(RuntimeError) -> String {
        guard PathText.isAbsolute(declared), !declared.utf8.contains(0) else { throw .unsafeImage("the image volume \"\(declared)\" is not an absolute path") }
        let path: String
        do { path = try root.resolvedPath(ContainedRoot.clean(declared)) } catch { throw .unsafeImage("the image volume \(error)") }
        guard path != "/", !DefaultSpec.isUnderKernelRoot(path) else {
            let place = path == "/" ? "the root itself" : "inside /proc, /sys or /dev, which belong to the kernel"
            throw .unsafeImage("the image volume \"\(declared)\" " + (path == declared ? "is \(place)" : "leads to \(path) (symlinks and .. followed in the image), \(place)"))
        }
        return path
    }

    /// A deployment's mount path as the manifest validator also demands: absolute, normalized, below
    /// `/` and outside the kernel's file systems. Checked again here for callers of the library.
    static func checkDeploymentMount(_ path: String, what: String) throws(RuntimeError) {
        guard PathText.isAbsolute(path), path != "/", ContainedRoot.clean(path).utf8.elementsEqual(path.utf8), !DefaultSpec.isUnderKernelRoot(path), !path.utf8.contains(0) else {
            throw .deployment("\(what) is mounted at \"\(path)\": a mount path must be absolute, normalized, below / and outside /proc, /sys and /dev")
        }
    }
}
