import NIOHTTP1

/// What a handler answers: status, headers and a body that is small bytes or a file range.
struct RegistryResponse {
    enum Body {
        case empty
        case bytes([UInt8])
        /// A byte range of a stored file, sent with `sendfile` where the transport allows.
        case file(path: String, offset: Int64, length: Int64)
    }

    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var body: Body

    init(_ status: HTTPResponseStatus, headers: HTTPHeaders = [:], body: Body = .empty) {
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
    init(error: RegistryError, headers: HTTPHeaders = [:]) {
        var headers = headers
        headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        self.init(HTTPResponseStatus(statusCode: error.status), headers: headers, body: .bytes(RegistryError.body([error])))
    }

    /// A JSON document response.
    static func json(_ bytes: [UInt8], contentType: String = "application/json", status: HTTPResponseStatus = .ok) -> RegistryResponse {
        RegistryResponse(status, headers: ["Content-Type": contentType], body: .bytes(bytes))
    }
}
