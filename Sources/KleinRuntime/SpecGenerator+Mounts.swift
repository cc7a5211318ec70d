import KleinArchive
import KleinOCI

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
            let hostPath = "\(node.volumesDirectory)/\(app!)/\(volume.name)"
            let user = plan.spec.process.user
            plan.preparations.append(.namedVolume(hostPath: hostPath, uid: user.uid, gid: user.gid))
            mounts[volume.path] = .bind(hostPath, at: volume.path, readOnly: volume.readOnly)
        }
        for secret in deployment.secrets {
            let hostPath = "\(node.secretsDirectory)/\(app!)/\(secret.name)"
            plan.preparations.append(.secret(hostPath: hostPath, source: "secrets/\(secret.name)", mode: secret.mode, uid: secret.uid, gid: secret.gid))
            mounts[secret.path] = .bind("secrets/\(secret.name)", at: secret.path, readOnly: true, noExec: true)
        }
        let volumes = (execution.volumes ?? [:]).keys.sorted()
        guard volumes.count <= Self.imageVolumeLimit else {
            throw .unsafeImage("the image declares \(volumes.count) Volumes; at most \(Self.imageVolumeLimit) are accepted")
        }
        for (index, path) in volumes.enumerated() {
            try Self.checkMountPath(path, what: "the image volume")
            guard mounts[path] == nil else {
                plan.warnings.append("the image volume \(path) is replaced by the deployment's mount there")
                continue
            }
            let source = "volumes/\(index)"
            let status: ContainedRoot.Status?
            do { status = try root.status(of: path) } catch { throw .unsafeImage("the image volume \(error)") }
            let existing = status?.kind == .directory ? status : nil
            plan.preparations.append(.anonymousVolume(source: source, uid: existing?.uid ?? 0, gid: existing?.gid ?? 0,
                                                      permissions: existing?.permissions ?? 0o755))
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

    /// An absolute, normalized path outside the kernel's file systems and not `/`.
    static func checkMountPath(_ path: String, what: String) throws(RuntimeError) {
        let components = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard path.hasPrefix("/"), path != "/", !components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }), !path.contains("\0") else {
            throw .unsafeImage("\(what) \"\(path)\" is not a normalized absolute path below /")
        }
        guard !DefaultSpec.isUnderKernelRoot(path) else {
            throw .unsafeImage("\(what) \(path) is inside /proc, /sys or /dev, which belong to the kernel")
        }
    }
}
