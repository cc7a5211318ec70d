import KleinConfig

/// The invariants that span keys, checked on the effective manifest: unique names and mount paths,
/// checks that name real ports, exposure that respects `internal_only`, timings and rollouts that
/// can work. Missing values (already reported) are skipped.
struct ManifestRules {
    typealias Value = ConfigDocument.Value

    let reader: ConfigReader
    let manifest: [String: Value]
    /// Key paths filled in by defaults, so a contradiction is blamed on the key the user wrote.
    let defaulted: Set<String>

    func check() {
        let ports = elements("ports")
        unique("ports", ports, what: "port name")
        var transports: [String: String] = [:]
        for (index, port) in ports {
            guard case let .integer(number)? = port["port"], case let .string(kind)? = port["protocol"] else { continue }
            let transport = kind == "udp" ? "udp" : "tcp"
            let key = "\(number)/\(transport)"
            if let first = transports[key] {
                reader.problem("ports[\(index)].port", "\(key) is already declared by \(first); a container port is declared once per transport")
            } else {
                transports[key] = "ports[\(index)]"
            }
        }
        let network = table("network")
        if case .bool(true)? = network["internal_only"] {
            if network["default_exposure"] == .string("public"), !defaulted.contains("network.default_exposure") {
                reader.problem("network.default_exposure", "is public, but internal_only = true; make it \"internal\" or lift internal_only")
            }
            for (index, port) in ports where port["exposure"] == .string("public") && !defaulted.contains("ports[\(index)].exposure") {
                reader.problem("ports[\(index)].exposure", "is public, but network.internal_only = true; make it \"internal\" or lift internal_only")
            }
        }

        let checks = elements("checks")
        unique("checks", checks, what: "check name")
        let portProtocols = Dictionary(ports.compactMap { _, port -> (String, String?)? in
            guard case let .string(name)? = port["name"] else { return nil }
            if case let .string(kind)? = port["protocol"] { return (name, kind) }
            return (name, nil)
        }, uniquingKeysWith: { first, _ in first })
        // When [[ports]] or a port's name has a problem, a check naming that port would only repeat it.
        let portsReported = reader.problems.contains { problem in
            let path = problem.keyPath
            return path == "ports" || (path.hasPrefix("ports[") && (path.hasSuffix("]") || path.hasSuffix("].name")))
        }
        for (index, check) in checks {
            if case let .string(name)? = check["port"] {
                if let kind = portProtocols[name] {
                    if kind == "udp", case let .string(checkKind)? = check["kind"] {
                        reader.problem("checks[\(index)].port", "\"\(name)\" is a UDP port; \(checkKind) checks need a TCP-based one")
                    }
                } else if !portsReported {
                    let known = portProtocols.keys.sorted()
                    reader.problem("checks[\(index)].port", "names no port; "
                        + (known.isEmpty ? "declare it in [[ports]]" : "the ports are \(ManifestValues.list(known))"))
                }
            }
            if let interval = milliseconds(check["interval"]), let timeout = milliseconds(check["timeout"]), timeout >= interval {
                reader.problem("checks[\(index)].timeout", "must be shorter than the interval (\(DurationGrammar.format(milliseconds: interval)))")
            }
        }

        let volumes = elements("volumes"), secrets = elements("secrets")
        unique("volumes", volumes, what: "volume name")
        unique("secrets", secrets, what: "secret name")
        var mounts: [String: String] = [:]
        for (list, entries) in [("volumes", volumes), ("secrets", secrets)] {
            for (index, entry) in entries {
                guard case let .string(path)? = entry["path"] else { continue }
                if let first = mounts[path] {
                    reader.problem("\(list)[\(index)].path", "\"\(path)\" is already the mount path of \(first)")
                } else {
                    mounts[path] = "\(list)[\(index)]"
                }
            }
        }

        let rollout = table("rollout")
        let gradual = rollout["strategy"] == .string("rolling") || rollout["strategy"] == .string("canary")
        if gradual, rollout["max_unavailable"].map(Self.isZero) == true, rollout["max_surge"].map(Self.isZero) == true {
            reader.problem("rollout.max_surge", "max_unavailable and max_surge are both 0, so a rollout could never replace a replica; raise one of them")
        }
        if case .string("canary")? = rollout["strategy"], case let .integer(replicas)? = rollout["replicas"], replicas < 2 {
            reader.problem("rollout.replicas", "a canary rollout needs at least 2 replicas (one canary beside the current release), found \(replicas)")
        }
    }

    /// The table at `key`; empty when it is missing or not a table (already reported).
    private func table(_ key: String) -> [String: Value] {
        if case let .table(members)? = manifest[key] { return members }
        return [:]
    }

    private func elements(_ key: String) -> [(Int, [String: Value])] {
        guard case let .array(elements)? = manifest[key] else { return [] }
        return elements.enumerated().compactMap { index, element in
            if case let .table(members) = element { (index, members) } else { nil }
        }
    }

    private func unique(_ list: String, _ entries: [(Int, [String: Value])], what: String) {
        var seen: [String: Int] = [:]
        for (index, entry) in entries {
            guard case let .string(name)? = entry["name"] else { continue }
            if let first = seen[name] {
                reader.problem("\(list)[\(index)].name", "\(what) \"\(name)\" is already used by \(list)[\(first)]; names must be unique")
            } else {
                seen[name] = index
            }
        }
    }

    private func milliseconds(_ value: Value?) -> Int64? {
        guard case let .string(text)? = value, case let .success(milliseconds) = DurationGrammar.milliseconds(text) else { return nil }
        return milliseconds
    }

    private static func isZero(_ value: Value) -> Bool { value == .integer(0) || value == .string("0%") }
}
