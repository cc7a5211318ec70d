/// A platform: operating system, CPU architecture and variant (image-index.md, "platform";
/// config.md's `os`, `architecture`, `variant`, `os.version`, `os.features`).
public struct Platform: Hashable, JSONRepresentable, CustomStringConvertible {
    /// The operating system (GOOS values: `linux`, …).
    public var os: String
    /// The CPU architecture (GOARCH values: `amd64`, `arm64`, …).
    public var architecture: String
    /// The CPU variant (`v8` for arm64, …).
    public var variant: String?
    /// The `os.version` field.
    public var osVersion: String?
    /// The `os.features` field.
    public var osFeatures: [String]?
    /// Fields this version of Klein does not model (e.g. the reserved `features`), kept verbatim.
    public var unknownFields: [String: JSONValue]

    /// A platform with the given fields.
    public init(os: String, architecture: String, variant: String? = nil, osVersion: String? = nil, osFeatures: [String]? = nil) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
        self.osVersion = osVersion
        self.osFeatures = osFeatures
        self.unknownFields = [:]
    }

    /// Decodes the JSON object at `path` (for error messages), keeping fields it does not model.
    public init(json: JSONValue, path: String) throws(OCIError) {
        var fields = try JSONFields(json, kind: "platform", path: path)
        architecture = try fields.requiredString("architecture")
        os = try fields.requiredString("os")
        variant = try fields.string("variant")
        osVersion = try fields.string("os.version")
        osFeatures = try fields.stringArray("os.features")
        unknownFields = fields.remaining
    }

    /// The JSON object, unmodelled fields included.
    public var jsonValue: JSONValue {
        var object = JSONObjectBuilder(preserving: unknownFields)
        object.set("architecture", architecture)
        object.set("os", os)
        object.set("variant", variant)
        object.set("os.version", osVersion)
        object.set("os.features", osFeatures)
        return object.value
    }

    /// `os/architecture[/variant]`, as in `--platform` flags.
    public var description: String {
        [os, architecture, variant].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "/")
    }

    /// Parses `os/architecture[/variant]` (e.g. `linux/arm64/v8`) or a lone architecture (`arm64`, meaning linux).
    public init(parsing string: String) throws(OCIError) {
        let parts = string.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (1...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else {
            throw .invalidPlatform(input: string, reason: "expected os/architecture[/variant]")
        }
        for part in parts where !part.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || $0 == 0x5F || $0 == 0x2D || $0 == 0x2E }) {
            throw .invalidPlatform(input: string, reason: "\"\(part)\" may contain only letters, digits, \"_\", \"-\" and \".\"")
        }
        if parts.count == 1 {
            let known = Platform.architectureAliases[parts[0].lowercased()] != nil
            guard known else { throw .invalidPlatform(input: string, reason: "\"\(parts[0])\" is not a known architecture; use os/architecture") }
            self.init(os: "linux", architecture: parts[0])
        } else {
            self.init(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil)
        }
    }

    /// The platform this binary runs on.
    public static var host: Platform {
        #if arch(x86_64)
        Platform(os: "linux", architecture: "amd64")
        #elseif arch(arm64)
        Platform(os: "linux", architecture: "arm64", variant: "v8")
        #elseif arch(arm)
        Platform(os: "linux", architecture: "arm", variant: "v7")
        #elseif arch(i386)
        Platform(os: "linux", architecture: "386")
        #elseif arch(s390x)
        Platform(os: "linux", architecture: "s390x")
        #elseif arch(powerpc64le)
        Platform(os: "linux", architecture: "ppc64le")
        #elseif arch(riscv64)
        Platform(os: "linux", architecture: "riscv64")
        #else
        Platform(os: "linux", architecture: "unknown")
        #endif
    }

    static let architectureAliases: [String: (architecture: String, variant: String?)] = [
        "amd64": ("amd64", nil), "x86_64": ("amd64", nil), "x86-64": ("amd64", nil),
        "386": ("386", nil), "i386": ("386", nil), "i686": ("386", nil),
        "arm64": ("arm64", nil), "aarch64": ("arm64", nil),
        "arm": ("arm", nil), "armhf": ("arm", "v7"), "armel": ("arm", "v6"),
        "ppc64le": ("ppc64le", nil), "s390x": ("s390x", nil), "riscv64": ("riscv64", nil),
        "mips64le": ("mips64le", nil), "loong64": ("loong64", nil), "wasm": ("wasm", nil),
    ]
}
