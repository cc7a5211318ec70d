/// A complete HTTP response from the token endpoint, for the HTTP layer to
/// send as is.
public struct TokenEndpointResponse: Sendable {
    /// The HTTP status: 200 with a token, a 4xx status when the request is refused.
    public var status: Int
    /// Response header names and values, in order.
    public var headers: [(String, String)]
    /// The response body (JSON).
    public var body: [UInt8]

    /// A response with the given status, headers and body.
    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of the first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}
