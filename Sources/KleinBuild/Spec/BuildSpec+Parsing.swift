import Foundation
import KleinConfig
import KleinOCI
import KleinSystem

extension BuildSpec {
    /// Reads and validates a TOML build spec file.
    ///
    /// `sourceDateEpoch` (the `SOURCE_DATE_EPOCH` variable) overrides the spec's `epoch`;
    /// `hostPlatform` is the platform used when neither an artifact nor the base names one.
    public static func load(file path: String, sourceDateEpoch: String?, hostPlatform: Platform = .host) throws(BuildError) -> BuildSpec {
        let text: String
        do throws(SystemError) { text = String(decoding: try FileSystem.readFile(path), as: UTF8.self) } catch {
            throw .system(what: "reading the build spec", error)
        }
        return try parse(toml: text, file: path, sourceDateEpoch: sourceDateEpoch, hostPlatform: hostPlatform)
    }

    /// Reads and validates a TOML build spec held in memory; `file` names it in problems.
    public static func parse(toml text: String, file: String, sourceDateEpoch: String? = nil, hostPlatform: Platform = .host) throws(BuildError) -> BuildSpec {
        let document: ConfigDocument
        do { document = try ConfigDocument(toml: text) } catch { throw .invalidSpec(file: file, problems: [error.problem]) }
        return try parse(document, file: file, sourceDateEpoch: sourceDateEpoch, hostPlatform: hostPlatform)
    }

    /// Reads the canonical JSON a build embeds, through the same validator as the TOML.
    public static func parse(canonicalJSON bytes: [UInt8], image: String) throws(BuildError) -> BuildSpec {
        let document: ConfigDocument
        do { document = try ConfigDocument(json: bytes) } catch { throw .notABuild(image: image, reason: "embedded build spec: \(error)") }
        do {
            return try parse(document, file: "embedded build spec", sourceDateEpoch: nil, hostPlatform: .host)
        } catch {
            throw .notABuild(image: image, reason: error.description)
        }
    }

    static func parse(_ document: ConfigDocument, file: String, sourceDateEpoch: String?, hostPlatform: Platform) throws(BuildError) -> BuildSpec {
        let reader = ConfigReader(document)
        let spec = SpecParser(reader: reader).parse(sourceDateEpoch: sourceDateEpoch, hostPlatform: hostPlatform)
        guard reader.problems.isEmpty, let spec else { throw .invalidSpec(file: file, problems: reader.problems) }
        return spec
    }
}

/// The build spec schema: which keys exist, their types and the rules between them.
struct SpecParser {
    let reader: ConfigReader

    static let topKeys: Set<String> = ["schema", "id", "version", "epoch", "base", "compression", "platform", "artifact"]
    static let artifactKeys: Set<String> = [
        "name", "source", "dest", "mode", "owner", "reference_only", "entrypoint", "cmd", "env", "workdir", "user",
        "labels", "exposed_ports", "stop_signal", "platform",
    ]
    static let sourceKeys: [String: Set<String>] = [
        "local": ["kind", "path"],
        "git": ["kind", "url", "commit", "ref", "path"],
        "url": ["kind", "url", "sha256"],
        "deb": ["kind", "name", "version", "sha256", "file"],
        "oci": ["kind", "image"],
    ]

    func parse(sourceDateEpoch: String?, hostPlatform: Platform) -> BuildSpec? {
        let root = reader.document.root
        reader.rejectUnknown(root, at: "", known: Self.topKeys)
        switch reader.integer(root, "schema", at: "schema") {
        case .some(BuildSpec.schema): break
        case .some(let other): reader.problem("schema", "schema \(other) is not supported; this Klein reads schema = 1")
        case .none: if root["schema"] == nil { reader.problem("schema", "missing; start the spec with schema = 1") }
        }
        let id = reader.string(root, "id", at: "id")
        if root["id"] == nil { reader.problem("id", "missing; name what is built, e.g. id = \"hello\"") }
        if let id, !Self.isName(id) { reader.problem("id", "\"\(id)\" must be lowercase letters, digits, '.', '_' or '-', starting with a letter or digit") }
        let version = reader.string(root, "version", at: "version")
        if root["version"] == nil { reader.problem("version", "missing; give a SemVer version, e.g. version = \"1.0.0\"") }
        if let version, !Self.isSemVer(version) { reader.problem("version", "\"\(version)\" is not a SemVer 2.0 version such as 1.2.3 or 1.2.3-rc.1") }
        var epoch = reader.integer(root, "epoch", at: "epoch") ?? 0
        if epoch < 0 { reader.problem("epoch", "must be zero or more seconds since 1970") }
        if let sourceDateEpoch {
            if let value = Int64(sourceDateEpoch), value >= 0 { epoch = value } else {
                reader.problem("SOURCE_DATE_EPOCH", "the environment variable is \"\(sourceDateEpoch)\"; it must be a whole number of seconds since 1970")
            }
        }
        let base = reader.string(root, "base", at: "base").flatMap { pinnedImage($0, at: "base", referenceOnly: false) }
        var compression = LayerCompression.gzip
        if let name = reader.string(root, "compression", at: "compression") {
            if let parsed = LayerCompression(rawValue: name) { compression = parsed } else {
                reader.problem("compression", "\"\(name)\" is not one of gzip, zstd, none")
            }
        }
        let platform = reader.string(root, "platform", at: "platform").flatMap { parsePlatform($0, at: "platform") }
        let artifacts = parseArtifacts(root["artifact"])
        var chosen = platform
        for artifact in artifacts {
            guard let wanted = artifact.settings.platform else { continue }
            if let chosen, chosen != wanted {
                reader.problem("artifact", "artifacts ask for different platforms (\(chosen), \(wanted)); an image has one")
            }
            chosen = wanted
        }
        guard let id, let version else { return nil }
        return BuildSpec(
            id: id, version: version, epoch: epoch, base: base, compression: compression,
            platform: chosen ?? (base == nil ? hostPlatform : nil), artifacts: artifacts
        )
    }

    private func parseArtifacts(_ value: ConfigDocument.Value?) -> [BuildSpec.Artifact] {
        guard let value else {
            reader.problem("artifact", "missing; add at least one [[artifact]] named \"main\"")
            return []
        }
        guard case let .array(elements) = value else {
            reader.problem("artifact", "must be an array of tables ([[artifact]]), found \(value.typeName)")
            return []
        }
        var artifacts: [BuildSpec.Artifact] = []
        var seen: Set<String> = []
        for (index, element) in elements.enumerated() {
            let path = "artifact[\(index)]"
            guard case let .table(members) = element else {
                reader.problem(path, "must be a table, found \(element.typeName)")
                continue
            }
            if case let .string(name) = members["name"], !seen.insert(name).inserted {
                reader.problem("\(path).name", "\"\(name)\" is used by an earlier artifact; names are unique")
            }
            if let artifact = parseArtifact(members, at: path) { artifacts.append(artifact) }
        }
        if !elements.isEmpty, !seen.contains("main") {
            reader.problem("artifact", "no artifact is named \"main\"; name the one the image exists to run name = \"main\"")
        }
        return artifacts
    }

    private func parseArtifact(_ members: [String: ConfigDocument.Value], at path: String) -> BuildSpec.Artifact? {
        reader.rejectUnknown(members, at: path, known: Self.artifactKeys)
        let name = reader.string(members, "name", at: "\(path).name")
        if members["name"] == nil { reader.problem("\(path).name", "missing; every artifact has a name") }
        if let name, !Self.isName(name) { reader.problem("\(path).name", "\"\(name)\" must be lowercase letters, digits, '.', '_' or '-'") }
        let referenceOnly = reader.bool(members, "reference_only", at: "\(path).reference_only") ?? false
        let source = parseSource(members["source"], at: "\(path).source", referenceOnly: referenceOnly)
        var dest = reader.string(members, "dest", at: "\(path).dest")
        if dest == nil, case .deb = source { dest = "/" }
        if members["dest"] == nil, dest == nil { reader.problem("\(path).dest", "missing; give the absolute path in the image, e.g. dest = \"/usr/local/bin/app\"") }
        if let text = dest, let problem = Self.destProblem(text) { reader.problem("\(path).dest", problem) }
        let mode = reader.fileMode(members["mode"], at: "\(path).mode")
        let owner = reader.string(members, "owner", at: "\(path).owner").flatMap { reader.owner($0, at: "\(path).owner") }
            .map { BuildSpec.Owner(uid: $0.uid, gid: $0.gid) }
        let settings = parseSettings(members, at: path)
        guard let name, let source, let dest else { return nil }
        return BuildSpec.Artifact(name: name, source: source, dest: dest, mode: mode, owner: owner, referenceOnly: referenceOnly, settings: settings)
    }

    private func parseSettings(_ members: [String: ConfigDocument.Value], at path: String) -> BuildSpec.ImageSettings {
        var settings = BuildSpec.ImageSettings()
        settings.entrypoint = reader.strings(members, "entrypoint", at: "\(path).entrypoint")
        settings.cmd = reader.strings(members, "cmd", at: "\(path).cmd")
        settings.env = parseEnv(members["env"], at: "\(path).env")
        settings.workdir = reader.string(members, "workdir", at: "\(path).workdir")
        if let workdir = settings.workdir, !workdir.hasPrefix("/") { reader.problem("\(path).workdir", "\"\(workdir)\" must be an absolute path") }
        settings.user = reader.string(members, "user", at: "\(path).user")
        settings.labels = reader.stringMap(members, "labels", at: "\(path).labels")
        settings.exposedPorts = reader.strings(members, "exposed_ports", at: "\(path).exposed_ports")
        for (index, port) in (settings.exposedPorts ?? []).enumerated() where !Self.isPort(port) {
            reader.problem("\(path).exposed_ports[\(index)]", "\"\(port)\" is not PORT or PORT/tcp|udp|sctp")
        }
        settings.exposedPorts = settings.exposedPorts?.map { $0.contains("/") ? $0 : "\($0)/tcp" }
        settings.stopSignal = reader.string(members, "stop_signal", at: "\(path).stop_signal")
        settings.platform = reader.string(members, "platform", at: "\(path).platform").flatMap { parsePlatform($0, at: "\(path).platform") }
        return settings
    }

    private func parseSource(_ value: ConfigDocument.Value?, at path: String, referenceOnly: Bool) -> BuildSpec.Source? {
        guard let value else {
            reader.problem(path, "missing; say where the artifact comes from, e.g. source = { kind = \"local\", path = \"bin/app\" }")
            return nil
        }
        guard case let .table(members) = value else {
            reader.problem(path, "must be a table, found \(value.typeName)")
            return nil
        }
        guard let kind = reader.string(members, "kind", at: "\(path).kind") else {
            if members["kind"] == nil { reader.problem("\(path).kind", "missing; one of local, git, url, deb, oci") }
            return nil
        }
        guard let known = Self.sourceKeys[kind] else {
            reader.problem("\(path).kind", "\"\(kind)\" is not one of local, git, url, deb, oci")
            return nil
        }
        reader.rejectUnknown(members, at: path, known: known)
        func required(_ key: String, _ hint: String) -> String? {
            if members[key] == nil { reader.problem("\(path).\(key)", "missing; \(hint)") }
            return reader.string(members, key, at: "\(path).\(key)")
        }
        let unpinned = "; pin it, or set reference_only = true on the artifact to record it without a guarantee"
        switch kind {
        case "local":
            guard let file = required("path", "the file or directory, relative to the spec") else { return nil }
            if PathText.isAbsolute(file) { reader.problem("\(path).path", "\"\(file)\" is absolute; local paths are relative to the spec so the build is portable") }
            return .local(path: file)
        case "git":
            let url = required("url", "the repository URL or path")
            let commit = reader.string(members, "commit", at: "\(path).commit")
            let ref = reader.string(members, "ref", at: "\(path).ref")
            let subpath = reader.string(members, "path", at: "\(path).path")
            if let commit, !Self.isHex(commit, count: 40) {
                reader.problem("\(path).commit", "\"\(commit)\" is not a full 40-hex commit id; a branch or tag name can move" + unpinned)
            }
            if commit == nil, members["commit"] == nil, !referenceOnly {
                reader.problem("\(path).commit", ref.map { "missing; ref \"\($0)\" is a branch or tag, which can move" + unpinned } ?? "missing; give the full 40-hex commit id")
            }
            if ref != nil, !referenceOnly { reader.problem("\(path).ref", "a branch or tag can move; give commit = \"<40 hex>\" instead" + unpinned) }
            if commit == nil, ref == nil, referenceOnly { reader.problem("\(path).ref", "missing; a reference-only git source names a ref or a commit") }
            if let subpath, PathText.isAbsolute(subpath) || PathText.climbs(subpath) {
                reader.problem("\(path).path", "\"\(subpath)\" must be a relative path inside the repository")
            }
            guard let url else { return nil }
            return .git(url: url, commit: commit?.lowercased(), ref: ref, path: subpath)
        case "url":
            let url = required("url", "an http:// or https:// URL")
            let sha256 = reader.string(members, "sha256", at: "\(path).sha256")
            if let url, !(url.hasPrefix("https://") || url.hasPrefix("http://")) { reader.problem("\(path).url", "\"\(url)\" is not an http:// or https:// URL") }
            if let sha256, !Self.isHex(sha256, count: 64) { reader.problem("\(path).sha256", "\"\(sha256)\" is not 64 hex digits") }
            if sha256 == nil, members["sha256"] == nil, !referenceOnly { reader.problem("\(path).sha256", "missing; a URL's content can change" + unpinned) }
            guard let url else { return nil }
            return .url(url: url, sha256: sha256?.lowercased())
        case "deb":
            let name = required("name", "the Debian package name")
            let version = reader.string(members, "version", at: "\(path).version")
            let sha256 = reader.string(members, "sha256", at: "\(path).sha256")
            let file = reader.string(members, "file", at: "\(path).file")
            if version == nil, members["version"] == nil, !referenceOnly {
                reader.problem("\(path).version", "missing; a package without a version is whatever the mirror has today" + unpinned)
            }
            if let sha256, !Self.isHex(sha256, count: 64) { reader.problem("\(path).sha256", "\"\(sha256)\" is not 64 hex digits") }
            if sha256 == nil, members["sha256"] == nil, !referenceOnly {
                reader.problem("\(path).sha256", "missing; give the .deb's SHA-256 (apt-cache show NAME=VERSION prints it)" + unpinned)
            }
            guard let name else { return nil }
            return .deb(name: name, version: version, sha256: sha256?.lowercased(), file: file)
        default:
            guard let text = required("image", "oci:PATH@sha256:… or REGISTRY/REPO@sha256:…"),
                  let image = pinnedImage(text, at: "\(path).image", referenceOnly: referenceOnly) else { return nil }
            return .oci(image)
        }
    }

    private func pinnedImage(_ text: String, at path: String, referenceOnly: Bool) -> ImageSource? {
        let image: ImageSource
        do { image = try ImageSource(parsing: text) } catch {
            reader.problem(path, "\"\(text)\" is not oci:PATH@DIGEST or a registry reference: \(error)")
            return nil
        }
        if image.digest == nil, !referenceOnly {
            reader.problem(path, "\"\(text)\" names an image by tag, which can move; pin it by digest (…@sha256:<64 hex>)")
        }
        return image
    }

    private func parsePlatform(_ text: String, at path: String) -> Platform? {
        do { return try Platform(parsing: text) } catch {
            reader.problem(path, "\"\(text)\" is not OS/ARCH[/VARIANT], e.g. linux/amd64")
            return nil
        }
    }

    /// `env` as an array of `KEY=value` (order kept) or a table (sorted by key).
    private func parseEnv(_ value: ConfigDocument.Value?, at path: String) -> [String]? {
        switch value {
        case nil: return nil
        case .table:
            return reader.stringMap(["env": value!], "env", at: path)?.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        default:
            let entries = reader.strings(["env": value!], "env", at: path)
            for (index, entry) in (entries ?? []).enumerated() where !entry.contains("=") || entry.hasPrefix("=") {
                reader.problem("\(path)[\(index)]", "\"\(entry)\" is not KEY=value")
            }
            return entries
        }
    }

    static func isName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, ("a"..."z").contains(first) || ("0"..."9").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0) }
    }

    static func isHex(_ text: String, count: Int) -> Bool {
        text.utf8.count == count && text.lowercased().unicodeScalars.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
    }

    static func isPort(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard let port = Int(parts[0]), (1...65535).contains(port), parts.count <= 2 else { return false }
        return parts.count == 1 || ["tcp", "udp", "sctp"].contains(parts[1])
    }

    /// SemVer 2.0: MAJOR.MINOR.PATCH, numbers without leading zeros, optional -pre.release and +build.
    static func isSemVer(_ text: String) -> Bool {
        var core = Substring(text)
        var build: Substring?
        if let plus = core.firstIndex(of: "+") { build = core[core.index(after: plus)...]; core = core[..<plus] }
        var pre: Substring?
        if let dash = core.firstIndex(of: "-") { pre = core[core.index(after: dash)...]; core = core[..<dash] }
        func number(_ part: Substring) -> Bool { !part.isEmpty && part.allSatisfy(\.isASCIIDigit) && (part == "0" || part.first != "0") }
        func identifiers(_ part: Substring, numeric: Bool) -> Bool {
            part.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { id in
                !id.isEmpty && id.allSatisfy { $0.isASCIIDigit || $0.isASCIILetter || $0 == "-" } && (!numeric || !id.allSatisfy(\.isASCIIDigit) || number(id))
            }
        }
        let numbers = core.split(separator: ".", omittingEmptySubsequences: false)
        return numbers.count == 3 && numbers.allSatisfy(number) && (pre.map { identifiers($0, numeric: true) } ?? true)
            && (build.map { identifiers($0, numeric: false) } ?? true)
    }

    /// Why `dest` is not a clean absolute path, if it is not.
    static func destProblem(_ dest: String) -> String? {
        guard PathText.isAbsolute(dest) else { return "\"\(dest)\" must be an absolute path in the image" }
        let components = PathText.components(dest).dropFirst()
        let inner = dest.utf8.last == UInt8(ascii: "/") ? components.dropLast() : components
        if inner.contains(where: PathText.isEmptyOrDot) || dest.utf8.contains(0) {
            return "\"\(dest)\" must not contain empty, '.' or '..' components"
        }
        return nil
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
    fileprivate var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}
