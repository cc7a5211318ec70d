import Foundation
import KleinConfig
import KleinOCI
import KleinSystem

/// `node.toml`: what a node knows about itself (see `NodeConfiguration`). Every key is optional; the
/// defaults keep volumes and secrets under the data directory.
///
/// ```toml
/// schema = 1
/// platform = "linux/amd64"              # default: this machine's
/// runtime = "runc"                      # runc, crun or a path; default: the first on PATH
/// cgroup_parent = "/klein"
/// volumes = "/var/lib/klein/volumes"    # named volumes: <volumes>/<app>/<name>
/// secrets = "/var/lib/klein/secrets"    # secret bundles: the files of <secrets>/<app>/<name>/
/// [[gpus]]
/// kind = "nvidia"
/// devices = ["/dev/nvidia0", "/dev/nvidiactl", "/dev/nvidia-uvm"]
/// ```
public enum NodeFile {
    static let keys: Set<String> = ["schema", "platform", "runtime", "cgroup_parent", "volumes", "secrets", "gpus"]
    static let gpuKeys: Set<String> = ["kind", "devices"]
    static let gpuKinds = ["nvidia", "amd", "intel"]

    /// The node's configuration from `path`, or the defaults when `path` is nil.
    public static func load(_ path: String?, dataDirectory: String) throws(PlatformError) -> NodeConfiguration {
        let base = URL(fileURLWithPath: dataDirectory).standardizedFileURL.path
        var node = NodeConfiguration(platform: .host, volumesDirectory: "\(base)/volumes", secretsDirectory: "\(base)/secrets")
        guard let path else { return node }
        let text: String
        do throws(SystemError) { text = String(decoding: try FileSystem.readFile(path), as: UTF8.self) } catch {
            throw .system(what: "reading the node configuration", error)
        }
        let reader: ConfigReader
        do { reader = ConfigReader(try ConfigDocument(toml: text)) } catch { throw .invalidManifest(file: path, problems: [error.problem]) }
        let root = reader.document.root
        reader.rejectUnknown(root, at: "", known: keys)
        if let schema = reader.integer(root, "schema", at: "schema"), schema != 1 { reader.problem("schema", "must be 1, found \(schema)") }
        if let text = reader.string(root, "platform", at: "platform") {
            do { node.platform = try Platform(parsing: text) } catch { reader.problem("platform", "must be os/arch[/variant]: \(error)") }
        }
        if let runtime = reader.string(root, "runtime", at: "runtime") {
            if runtime.isEmpty { reader.problem("runtime", "must name runc, crun or a path") } else { node.runtime = runtime }
        }
        if let parent = absolutePath(reader, root, "cgroup_parent") { node.cgroupParent = parent }
        if let volumes = absolutePath(reader, root, "volumes") { node.volumesDirectory = volumes }
        if let secrets = absolutePath(reader, root, "secrets") { node.secretsDirectory = secrets }
        node.gpus = gpus(reader, root)
        guard reader.problems.isEmpty else { throw .invalidManifest(file: path, problems: reader.problems) }
        return node
    }

    private static func absolutePath(_ reader: ConfigReader, _ table: [String: ConfigDocument.Value], _ key: String) -> String? {
        guard let path = reader.string(table, key, at: key) else { return nil }
        // Commas and colons would split overlay mount options.
        guard ManifestValues.pathProblem(path, mount: false) == nil, path != "/", !path.contains(","), !path.contains(":") else {
            reader.problem(key, "must be a normalized absolute path without ',' or ':', found \"\(path)\"")
            return nil
        }
        return path
    }

    private static func gpus(_ reader: ConfigReader, _ root: [String: ConfigDocument.Value]) -> [NodeConfiguration.GPU] {
        guard let value = root["gpus"] else { return [] }
        guard case let .array(entries) = value else {
            reader.problem("gpus", "must be an array of tables ([[gpus]]), found \(value.typeName)")
            return []
        }
        var result: [NodeConfiguration.GPU] = []
        for (index, entry) in entries.enumerated() {
            let path = "gpus[\(index)]"
            guard case let .table(members) = entry else {
                reader.problem(path, "must be a table, found \(entry.typeName)")
                continue
            }
            reader.rejectUnknown(members, at: path, known: gpuKeys)
            let kind = reader.string(members, "kind", at: "\(path).kind")
            if members["kind"] == nil { reader.problem("\(path).kind", "is required: one of \(gpuKinds.joined(separator: ", "))") }
            if let kind, !gpuKinds.contains(kind) { reader.problem("\(path).kind", "must be one of \(gpuKinds.joined(separator: ", ")), found \"\(kind)\"") }
            let devices = reader.strings(members, "devices", at: "\(path).devices") ?? []
            if devices.isEmpty { reader.problem("\(path).devices", "must list the GPU's device nodes, such as [\"/dev/nvidia0\"]") }
            for device in devices where !PathText.isWithin(device, "/dev") || device == "/dev" || PathText.climbs(device) {
                reader.problem("\(path).devices", "\"\(device)\" is not a path under /dev")
            }
            if let kind { result.append(NodeConfiguration.GPU(kind: kind, devices: devices)) }
        }
        return result
    }
}
