import HTTPTypes

/// What a registry endpoint answers: status, headers and a body that is small bytes or a file range.
struct RegistryResponse {
    enum Body {
        case empty
        case bytes([UInt8])
        /// A byte range of a stored file, streamed from disk.
        case file(path: String, offset: Int64, length: Int64)
    }

    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: Body

    init(_ status: HTTPResponse.Status, headers: HTTPFields = [:], body: Body = .empty) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The body length the `Content-Length` header announces.
    var contentLength: Int64 {
        switch body {
        case .empty: 0
        case let .bytes(bytes): Int64(bytes.count)
        case let .file(_, _, length): length
        }
    }

    /// An error response with the spec's JSON body.
    init(error: RegistryError, headers: HTTPFields = [:]) {
        var headers = headers
        headers[.contentType] = "application/json"
        self.init(HTTPResponse.Status(code: error.status), headers: headers, body: .bytes(RegistryError.body([error])))
    }

    /// A JSON document response.
    static func json(_ bytes: [UInt8], contentType: String = "application/json", status: HTTPResponse.Status = .ok) -> RegistryResponse {
        RegistryResponse(status, headers: [.contentType: contentType], body: .bytes(bytes))
    }
}
