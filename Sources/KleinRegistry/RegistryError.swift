import KleinOCI

/// An error the registry reports to a client: a distribution-spec error code, an HTTP status,
/// a message naming the input and the reason, and an optional `detail` object
/// (distribution-spec spec.md, "Error Codes").
public struct RegistryError: Error, CustomStringConvertible, Sendable {
    /// The error codes distribution-spec v1.1 defines; no others are ever sent.
    public enum Code: String, Sendable {
        case blobUnknown = "BLOB_UNKNOWN"
        case blobUploadInvalid = "BLOB_UPLOAD_INVALID"
        case blobUploadUnknown = "BLOB_UPLOAD_UNKNOWN"
        case digestInvalid = "DIGEST_INVALID"
        case manifestBlobUnknown = "MANIFEST_BLOB_UNKNOWN"
        case manifestInvalid = "MANIFEST_INVALID"
        case manifestUnknown = "MANIFEST_UNKNOWN"
        case nameInvalid = "NAME_INVALID"
        case nameUnknown = "NAME_UNKNOWN"
        case sizeInvalid = "SIZE_INVALID"
        case unauthorized = "UNAUTHORIZED"
        case denied = "DENIED"
        case unsupported = "UNSUPPORTED"
        case tooManyRequests = "TOOMANYREQUESTS"
    }

    /// The distribution-spec error code sent as `code`.
    public let code: Code
    /// The HTTP status of the response, e.g. 404.
    public let status: Int
    /// The human-readable `message`, naming the input and the reason.
    public let message: String
    /// Key/value pairs for the `detail` object (e.g. `digest`), kept as strings.
    public let detail: [String: String]

    /// An error with `code`, HTTP `status`, `message` and optional `detail` pairs.
    public init(_ code: Code, status: Int, _ message: String, detail: [String: String] = [:]) {
        self.code = code
        self.status = status
        self.message = message
        self.detail = detail
    }

    /// `CODE: message`, for logs.
    public var description: String { "\(code.rawValue): \(message)" }

    /// The JSON body `{"errors":[{"code","message","detail"}]}`.
    public static func body(_ errors: [RegistryError]) -> [UInt8] {
        let entries: [JSONValue] = errors.map { error in
            .object([
                "code": .string(error.code.rawValue),
                "message": .string(error.message),
                "detail": .object(error.detail.mapValues { .string($0) }),
            ])
        }
        return JSONValue.object(["errors": .array(entries)]).canonicalBytes
    }
}

extension RegistryError {
    static func nameInvalid(_ name: String, _ reason: String) -> RegistryError {
        RegistryError(.nameInvalid, status: 400, "invalid repository name \"\(name)\": \(reason)", detail: ["name": name])
    }

    static func nameUnknown(_ name: String) -> RegistryError {
        RegistryError(.nameUnknown, status: 404, "repository \"\(name)\" is not known to this registry", detail: ["name": name])
    }

    static func blobUnknown(_ digest: String, in name: String) -> RegistryError {
        RegistryError(.blobUnknown, status: 404, "blob \(digest) is not known in repository \"\(name)\"", detail: ["digest": digest])
    }

    static func digestInvalid(_ input: String, _ reason: String) -> RegistryError {
        RegistryError(.digestInvalid, status: 400, "digest \"\(input)\" is invalid: \(reason)", detail: ["digest": input])
    }

    static func manifestUnknown(_ reference: String, in name: String) -> RegistryError {
        RegistryError(.manifestUnknown, status: 404, "manifest \"\(reference)\" is not known in repository \"\(name)\"",
                      detail: ["reference": reference])
    }

    static func uploadUnknown(_ id: String) -> RegistryError {
        RegistryError(.blobUploadUnknown, status: 404, "upload session \"\(id)\" is not known (finished, cancelled or expired)",
                      detail: ["session": id])
    }

    static func unsupported(_ what: String) -> RegistryError {
        RegistryError(.unsupported, status: 405, what)
    }
}
