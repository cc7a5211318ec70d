import KleinConfig

/// The definition of one key of the platform manifest. The validator, `klein manifest explain`, the
/// defaults table and the JSON Schema are all derived from these definitions, so they cannot drift apart.
struct ManifestField: Sendable {
    enum Presence: Sendable {
        case required
        /// Left out of the effective manifest when absent.
        case optional
        /// Filled in with this canonical value when absent.
        case defaulted(ConfigDocument.Value)
        /// Filled in from another key of the effective manifest when absent (`network.default_exposure`).
        case inherited(from: String)
    }

    /// A field that applies only when a sibling key has one of some values (`path` of an `http` check).
    struct Condition: Sendable {
        let key: String
        let values: [String]
    }

    let key: String
    let type: ManifestType
    let summary: String
    var presence: Presence = .optional
    var condition: Condition?

    init(_ key: String, _ type: ManifestType, _ summary: String, _ presence: Presence = .optional, when condition: Condition? = nil) {
        self.key = key
        self.type = type
        self.summary = summary
        self.presence = presence
        self.condition = condition
    }
}

/// What a manifest value may be, and its canonical form in the effective manifest.
indirect enum ManifestType: Sendable {
    /// The only accepted value (`schema = 1`).
    case constant(Int64)
    /// A lowercase DNS label: app, port, check, volume and secret names.
    case name
    case choice([String])
    case integer(ClosedRange<Int64>)
    case bool
    /// A path inside the container, absolute and normalized.
    case absolutePath
    /// A mount target: an absolute path that is not `/` and does not shadow `/proc`, `/sys` or `/dev`.
    case mountPath
    /// An HTTP request path, starting with `/`.
    case httpPath
    /// Bytes: an integer, or a string with a unit (`512Mi`, `1G`, `100k`). Canonical: the largest exact unit.
    case size(ClosedRange<Int64>)
    /// A duration with units (`500ms`, `10s`, `1m30s`, `2h`), in milliseconds. Canonical: `1m30s`.
    case duration(ClosedRange<Int64>)
    /// CPU in millicores: cores as a number (`2`, `0.5`) or a string (`"1.5"`, `"250m"`). Canonical: `"250m"`.
    case cpu(ClosedRange<Int64>)
    /// A replica count, or a percentage of the replicas (`"25%"`).
    case countOrPercent
    /// Octal permission bits (`"0400"` or `0o400`). Canonical: four octal digits.
    case fileMode
    /// Numeric `UID:GID`.
    case owner
    /// A user as images name it: `name`, `uid`, `uid:gid` or `name:group`.
    case user
    /// A non-empty array of strings.
    case strings
    /// Environment variables: a table of strings whose keys are variable names.
    case environment
    case table([ManifestField])
    case tables([ManifestField])
}
