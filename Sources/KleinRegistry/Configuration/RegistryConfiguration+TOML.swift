import Foundation
import KleinConfig

extension RegistryConfiguration {
    /// Reads a configuration file over the defaults. Unknown sections and keys are errors, so a typo
    /// never silently leaves a setting at its default.
    ///
    ///     [server]  listen = "127.0.0.1:5000", data = "./klein-data"
    ///     [storage] delete = true, max_manifest_size = 4194304, upload_expiry = "24h"
    ///     [gc]      interval = "1h", grace = "1h"
    ///     [auth]    mode = "none|basic|token", htpasswd, policy, service, realm, token_lifetime = "5m"
    ///     [tls]     certificate, key
    ///     [log]     level = "info", format = "text|json"
    public mutating func load(tomlFile path: String) throws(ConfigurationError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        try load(toml: text, source: path)
    }

    /// As `load(tomlFile:)`, from the text of a file; `source` names it in errors and relative paths resolve against its directory.
    public mutating func load(toml text: String, source: String) throws(ConfigurationError) {
        let document: ConfigDocument
        do {
            document = try ConfigDocument(toml: text)
        } catch let .toml(line?, column?, reason) {
            throw .syntax(path: source, line: line, column: column, reason: reason)
        } catch let .refused(line, reason) {
            throw .syntax(path: source, line: line, column: 1, reason: reason)
        } catch {
            throw .unreadable(path: source, reason: "\(error)")
        }
        let reader = TOMLSectionReader(root: document.root, source: source)
        try reader.allowOnly(["server", "storage", "gc", "auth", "tls", "log"], in: nil)
        if let listen = try reader.string("server", "listen") { try setListen(listen) }
        if let data = try reader.string("server", "data") { dataDirectory = reader.resolve(data) }
        try reader.allowOnly(["listen", "data"], in: "server")
        if let delete = try reader.bool("storage", "delete") { deleteEnabled = delete }
        if let limit = try reader.integer("storage", "max_manifest_size") { maxManifestSize = limit }
        if let expiry = try reader.duration("storage", "upload_expiry") { uploadExpiry = expiry }
        try reader.allowOnly(["delete", "max_manifest_size", "upload_expiry"], in: "storage")
        if let interval = try reader.string("gc", "interval") {
            gcInterval = interval == "off" ? nil : try reader.parseDuration(interval, key: "gc.interval")
        }
        if let grace = try reader.duration("gc", "grace") { gcGrace = grace }
        try reader.allowOnly(["interval", "grace"], in: "gc")
        if let mode = try reader.string("auth", "mode") {
            guard let parsed = AuthMode(rawValue: mode) else {
                throw .invalid(key: "auth.mode", reason: "\"\(mode)\" is not one of none, basic, token")
            }
            authMode = parsed
        }
        htpasswdFile = try reader.string("auth", "htpasswd").map { reader.resolve($0) } ?? htpasswdFile
        policyFile = try reader.string("auth", "policy").map { reader.resolve($0) } ?? policyFile
        tokenService = try reader.string("auth", "service") ?? tokenService
        tokenRealm = try reader.string("auth", "realm") ?? tokenRealm
        if let lifetime = try reader.duration("auth", "token_lifetime") { tokenLifetime = lifetime }
        try reader.allowOnly(["mode", "htpasswd", "policy", "service", "realm", "token_lifetime"], in: "auth")
        tlsCertificate = try reader.string("tls", "certificate").map { reader.resolve($0) } ?? tlsCertificate
        tlsKey = try reader.string("tls", "key").map { reader.resolve($0) } ?? tlsKey
        try reader.allowOnly(["certificate", "key"], in: "tls")
        logLevel = try reader.string("log", "level") ?? logLevel
        if let format = try reader.string("log", "format") {
            guard let parsed = LogFormat(rawValue: format) else {
                throw .invalid(key: "log.format", reason: "\"\(format)\" is not one of text, json")
            }
            logFormat = parsed
        }
        try reader.allowOnly(["level", "format"], in: "log")
    }

    /// Applies `HOST:PORT` (`[::1]:5000` for IPv6, `:5000` for loopback).
    public mutating func setListen(_ listen: String) throws(ConfigurationError) {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
            throw .invalid(key: "listen", reason: "\"\(listen)\" is not HOST:PORT")
        }
        var host = String(listen[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host.isEmpty ? "127.0.0.1" : host
        self.port = port
    }
}

/// Typed access to `[section] key` values of a parsed TOML document, with errors naming the key.
private struct TOMLSectionReader {
    let root: [String: ConfigDocument.Value]
    let source: String

    private func table(_ section: String) throws(ConfigurationError) -> [String: ConfigDocument.Value]? {
        guard let value = root[section] else { return nil }
        guard case let .table(members) = value else { throw .invalid(key: section, reason: "must be a table ([\(section)])") }
        return members
    }

    func string(_ section: String, _ key: String) throws(ConfigurationError) -> String? {
        guard let value = try table(section)?[key] else { return nil }
        guard case let .string(string) = value else { throw .invalid(key: "\(section).\(key)", reason: "must be a string") }
        return string
    }

    func bool(_ section: String, _ key: String) throws(ConfigurationError) -> Bool? {
        guard let value = try table(section)?[key] else { return nil }
        guard case let .bool(bool) = value else { throw .invalid(key: "\(section).\(key)", reason: "must be true or false") }
        return bool
    }

    func integer(_ section: String, _ key: String) throws(ConfigurationError) -> Int? {
        guard let value = try table(section)?[key] else { return nil }
        guard case let .integer(number) = value, let int = Int(exactly: number) else {
            throw .invalid(key: "\(section).\(key)", reason: "must be an integer")
        }
        return int
    }

    func duration(_ section: String, _ key: String) throws(ConfigurationError) -> Int64? {
        guard let text = try string(section, key) else { return nil }
        return try parseDuration(text, key: "\(section).\(key)")
    }

    func parseDuration(_ text: String, key: String) throws(ConfigurationError) -> Int64 {
        guard case let .success(seconds) = DurationGrammar.seconds(text) else {
            throw .invalid(key: key, reason: "\"\(text)\" is not a duration like 30s, 5m, 24h or 7d")
        }
        return seconds
    }

    /// Rejects keys of `section` (or top-level sections when `nil`) outside `allowed`.
    func allowOnly(_ allowed: Set<String>, in section: String?) throws(ConfigurationError) {
        let table: [String: ConfigDocument.Value]
        if let section {
            guard case let .table(found)? = root[section] else { return }
            table = found
        } else {
            table = root
        }
        for key in table.keys.sorted() where !allowed.contains(key) {
            let name = section.map { "\($0).\(key)" } ?? key
            throw .invalid(key: name, reason: "unknown \(section == nil ? "section" : "key") in \(source); known: \(allowed.sorted().joined(separator: ", "))")
        }
    }

    /// Paths in the file are relative to the file's directory.
    func resolve(_ path: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        let directory = (source as NSString).deletingLastPathComponent
        return directory.isEmpty ? path : "\(directory)/\(path)"
    }
}
