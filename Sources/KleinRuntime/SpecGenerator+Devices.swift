import KleinOCI
import KleinSystem
#if canImport(Glibc)
import Glibc
#endif

extension SpecGenerator {
    /// The deployment's GPUs, the first `count` of that kind the node lists: each device node is
    /// added to `linux.devices` with an allow rule, both taken from `stat` of the node's path.
    func addGPUs(to plan: inout BundlePlan) throws(RuntimeError) {
        guard let request = deployment.gpus else { return }
        let available = node.gpus.filter { $0.kind == request.kind }
        guard available.count >= request.count else {
            throw .deployment("\(request.count) \(request.kind) GPU\(request.count == 1 ? "" : "s") requested; this node has \(available.count) (its node.toml lists them under [[gpus]])")
        }
        var paths: [String] = []
        for gpu in available.prefix(request.count) {
            for path in gpu.devices where !paths.contains(path) { paths.append(path) }
        }
        for path in paths {
            let device = try Self.device(at: path)
            plan.spec.linux.devices.append(device)
            plan.spec.linux.resources.devices.append(RuntimeSpec.DeviceRule(allow: true, type: device.type, major: device.major, minor: device.minor))
        }
    }

    /// The device node at `path` on this host, which must be a character or block device under `/dev`.
    static func device(at path: String) throws(RuntimeError) -> RuntimeSpec.Device {
        guard PathText.isWithin(path, "/dev"), path != "/dev", !PathText.climbs(path) else {
            throw .node("the GPU device \(path) is not a path under /dev")
        }
        var info = stat()
        guard stat(path, &info) == 0 else { throw .node("the GPU device \(path): \(String(cString: strerror(errno)))") }
        let type: String
        switch info.st_mode & S_IFMT {
        case S_IFCHR: type = "c"
        case S_IFBLK: type = "b"
        default: throw .node("the GPU device \(path) is not a character or block device")
        }
        let rdev = UInt64(info.st_rdev)
        // glibc's major() and minor().
        let major = Int64(((rdev >> 32) & 0xffff_f000) | ((rdev >> 8) & 0xfff))
        let minor = Int64(((rdev >> 12) & 0xffff_ff00) | (rdev & 0xff))
        return RuntimeSpec.Device(path: path, type: type, major: major, minor: minor, fileMode: UInt32(info.st_mode & 0o777),
                                  uid: UInt32(info.st_uid), gid: UInt32(info.st_gid))
    }
}
