import KleinConfig
import KleinConfigJSON
import KleinOCI

extension BuildSpec {
    /// The spec with every value explicit, as canonical JSON (sorted keys, no whitespace): the same
    /// spec always gives the same bytes, and `parse(canonicalJSON:)` reads it back to an equal spec.
    /// Keys are the TOML keys, so one validator reads both.
    public var canonicalJSON: [UInt8] { canonicalValue.jsonValue.canonicalBytes }

    var canonicalValue: ConfigDocument.Value {
        var root: [String: ConfigDocument.Value] = [
            "schema": .integer(Self.schema),
            "id": .string(id),
            "version": .string(version),
            "epoch": .integer(epoch),
            "compression": .string(compression.rawValue),
            "artifact": .array(artifacts.map(\.canonicalValue)),
        ]
        root["base"] = base.map { .string($0.text) }
        root["platform"] = platform.map { .string($0.description) }
        return .table(root)
    }
}

extension BuildSpec.Artifact {
    var canonicalValue: ConfigDocument.Value {
        var members: [String: ConfigDocument.Value] = [
            "name": .string(name),
            "source": source.canonicalValue,
            "dest": .string(dest),
            "reference_only": .bool(referenceOnly),
        ]
        members["mode"] = mode.map { .integer(Int64($0)) }
        members["owner"] = owner.map { .string($0.description) }
        members["entrypoint"] = settings.entrypoint.map { .array($0.map(ConfigDocument.Value.string)) }
        members["cmd"] = settings.cmd.map { .array($0.map(ConfigDocument.Value.string)) }
        members["env"] = settings.env.map { .array($0.map(ConfigDocument.Value.string)) }
        members["workdir"] = settings.workdir.map(ConfigDocument.Value.string)
        members["user"] = settings.user.map(ConfigDocument.Value.string)
        members["labels"] = settings.labels.map { .table($0.mapValues(ConfigDocument.Value.string)) }
        members["exposed_ports"] = settings.exposedPorts.map { .array($0.map(ConfigDocument.Value.string)) }
        members["stop_signal"] = settings.stopSignal.map(ConfigDocument.Value.string)
        members["platform"] = settings.platform.map { .string($0.description) }
        return .table(members)
    }
}

extension BuildSpec.Source {
    var canonicalValue: ConfigDocument.Value {
        var members: [String: ConfigDocument.Value] = ["kind": .string(kind)]
        switch self {
        case let .local(path):
            members["path"] = .string(path)
        case let .git(url, commit, ref, path):
            members["url"] = .string(url)
            members["commit"] = commit.map(ConfigDocument.Value.string)
            members["ref"] = ref.map(ConfigDocument.Value.string)
            members["path"] = path.map(ConfigDocument.Value.string)
        case let .url(url, sha256):
            members["url"] = .string(url)
            members["sha256"] = sha256.map(ConfigDocument.Value.string)
        case let .deb(name, version, sha256, file):
            members["name"] = .string(name)
            members["version"] = version.map(ConfigDocument.Value.string)
            members["sha256"] = sha256.map(ConfigDocument.Value.string)
            members["file"] = file.map(ConfigDocument.Value.string)
        case let .oci(image):
            members["image"] = .string(image.text)
        }
        return .table(members)
    }

    /// The source as a URI for provenance and the traceability table.
    public var uri: String {
        switch self {
        case let .local(path): "file:\(path)"
        case let .git(url, commit, ref, path):
            "git+\(url)@\(commit ?? ref ?? "")" + (path.map { "#\($0)" } ?? "")
        case let .url(url, _): url
        case let .deb(name, version, _, _): "pkg:deb/debian/\(name)" + (version.map { "@\($0)" } ?? "")
        case let .oci(image): image.text
        }
    }

    /// The pinned revision or version, as the spec gives it.
    public var pin: String? {
        switch self {
        case .local: nil
        case let .git(_, commit, ref, _): commit ?? ref
        case let .url(_, sha256): sha256.map { "sha256:\($0)" }
        case let .deb(_, version, _, _): version
        case let .oci(image): image.digest?.description
        }
    }
}
