import Foundation
import KleinConfig
import KleinOCI
import KleinSystem

/// A validated platform manifest (`klein.platform.toml`, schema 1): how to run an image, with every
/// default applied. Its identity is `contentHash`, the digest of the effective manifest's canonical
/// JSON, so comments, key order and spelling (`1024Mi` or `1Gi`) do not change it and any semantic
/// change does. Validation also reads it once into typed values (`ports`, `resources`, `checks`, …),
/// which cannot fail afterwards.
public struct PlatformManifest: Sendable {
    /// A value of the effective manifest's tree.
    public typealias Value = ConfigDocument.Value

    /// The largest manifest read; anything bigger is refused before parsing.
    public static let maximumSize = 1 << 20

    /// The effective manifest as canonical JSON (sorted keys, no insignificant whitespace).
    public let canonicalJSON: [UInt8]
    /// `sha256` of `canonicalJSON`.
    public let contentHash: Digest
    /// Key paths whose value came from a default (`resources.memory`, `ports[0].exposure`).
    public let defaulted: [String]
    /// The effective manifest as a value tree.
    public let effective: [String: Value]

    /// `app`: the application's name.
    public let app: String
    /// `[process]`.
    public let process: Process
    /// `[[ports]]`, in manifest order.
    public let ports: [Port]
    /// `[resources]`.
    public let resources: Resources
    /// `[[checks]]`, in manifest order.
    public let checks: [Check]
    /// `[rollout]`.
    public let rollout: Rollout
    /// `[[volumes]]`, in manifest order.
    public let volumes: [Volume]
    /// `[[secrets]]`, in manifest order.
    public let secrets: [Secret]
    /// `[network]`.
    public let network: Network

    private init(canonicalJSON: [UInt8], defaulted: [String], effective: [String: Value], model: Model) {
        self.canonicalJSON = canonicalJSON
        contentHash = .of(canonicalJSON)
        self.defaulted = defaulted
        self.effective = effective
        app = model.app
        process = model.process
        ports = model.ports
        resources = model.resources
        checks = model.checks
        rollout = model.rollout
        volumes = model.volumes
        secrets = model.secrets
        network = model.network
    }

    /// Validates TOML text: a pure function of the bytes, the one validator every Klein component
    /// uses. Throws every problem at once, sorted by line.
    public static func validate(toml bytes: [UInt8], file: String) throws(PlatformError) -> PlatformManifest {
        guard bytes.count <= maximumSize else {
            throw .invalidManifest(file: file, problems: [ConfigProblem(keyPath: "", line: nil, message: "the file is \(bytes.count) bytes; a platform manifest is at most \(maximumSize)")])
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let offset = Self.firstInvalidUTF8(bytes)
            throw .invalidManifest(file: file, problems: [ConfigProblem(keyPath: "", line: nil, message: "the file is not UTF-8 text (invalid byte at offset \(offset))")])
        }
        let document: ConfigDocument
        do { document = try ConfigDocument(toml: text) } catch { throw .invalidManifest(file: file, problems: [error.problem]) }
        return try validate(document, file: file)
    }

    /// Validates the canonical JSON of an effective manifest (as a release records it) with the same rules.
    public static func validate(canonicalJSON bytes: [UInt8], file: String) throws(PlatformError) -> PlatformManifest {
        let document: ConfigDocument
        do { document = try ConfigDocument(json: bytes) } catch { throw .invalidManifest(file: file, problems: [error.problem]) }
        return try validate(document, file: file)
    }

    private static func validate(_ document: ConfigDocument, file: String) throws(PlatformError) -> PlatformManifest {
        let reader = ConfigReader(document)
        let normalizer = ManifestNormalizer(reader: reader)
        let effective = normalizer.normalizeRoot()
        ManifestRules(reader: reader, manifest: effective, defaulted: Set(normalizer.defaulted)).check()
        guard reader.problems.isEmpty else {
            let sorted = Set(reader.problems).sorted { ($0.line ?? .max, $0.keyPath, $0.message) < ($1.line ?? .max, $1.keyPath, $1.message) }
            throw .invalidManifest(file: file, problems: sorted)
        }
        let model: Model
        do { model = try Model(effective) } catch {
            throw .invalidManifest(file: file, problems: [
                ConfigProblem(keyPath: error.keyPath, line: document.line(of: error.keyPath), message: "is not \(error.expected) in the effective manifest"),
            ])
        }
        return PlatformManifest(canonicalJSON: Value.table(effective).jsonValue.canonicalBytes, defaulted: normalizer.defaulted.sorted(),
                                effective: effective, model: model)
    }

    private static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while case let .scalarValue(scalar) = decoder.decode(&iterator) { offset += UTF8.width(scalar) }
        return offset
    }
}

extension PlatformManifest {
    /// Reads and validates a manifest file, keeping its bytes (`source`) beside the effective manifest.
    public static func load(file path: String) throws(PlatformError) -> (manifest: PlatformManifest, source: [UInt8]) {
        let bytes: [UInt8]
        do throws(SystemError) {
            // One byte more than allowed, so an oversized file is refused without reading all of it.
            bytes = try FileSystem.readFile(path, limit: Int64(maximumSize) + 1)
        } catch {
            throw .system(what: "reading the platform manifest", error)
        }
        return (try validate(toml: bytes, file: path), bytes)
    }
}
