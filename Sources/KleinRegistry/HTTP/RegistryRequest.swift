import HTTPTypes
import Hummingbird

/// One registry request as the endpoints read it: method, decoded path and query, headers, the
/// client's address and the endpoint the path names.
struct RegistryRequest: Sendable {
    let method: HTTPRequest.Method
    /// The path without the query, percent-decoded.
    let path: String
    let query: [(name: String, value: String)]
    let headers: HTTPFields
    /// The `Host` the client named (HTTPTypes keeps it as the request's authority, not a header).
    let host: String?
    /// The peer's address, for logs.
    let remote: String
    /// The endpoint the path names, parsed once for the responder and for metrics.
    let route: Route?

    init(_ request: Request, remote: String) {
        method = request.method
        headers = request.headers
        host = request.head.authority
        self.remote = remote
        let uri = request.head.path ?? "/"
        if let mark = uri.firstIndex(of: "?") {
            path = FormDecoding.percentDecode(uri[..<mark], plusIsSpace: false)
            query = FormDecoding.pairs(uri[uri.index(after: mark)...], plusIsSpace: false)
        } else {
            path = FormDecoding.percentDecode(uri[...], plusIsSpace: false)
            query = []
        }
        route = Route(path: path)
    }

    /// The first value of a query parameter.
    func query(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }

    /// Every value of a repeated query parameter, in order.
    func queryValues(_ name: String) -> [String] {
        query.filter { $0.name == name }.map(\.value)
    }

    /// The first value of a header field.
    func header(_ name: HTTPField.Name) -> String? {
        headers[values: name].first
    }

    var isHead: Bool { method == .head }
}

/// `application/x-www-form-urlencoded` and URI query decoding (RFC 3986 percent-encoding).
enum FormDecoding {
    /// Splits `a=1&b=2` into decoded pairs; a pair without `=` has an empty value.
    static func pairs(_ text: Substring, plusIsSpace: Bool) -> [(name: String, value: String)] {
        text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let equals = pair.firstIndex(of: "=") {
                return (percentDecode(pair[..<equals], plusIsSpace: plusIsSpace),
                        percentDecode(pair[pair.index(after: equals)...], plusIsSpace: plusIsSpace))
            }
            return (percentDecode(pair, plusIsSpace: plusIsSpace), "")
        }
    }

    /// Decodes `%XX` escapes; malformed escapes are kept literally. `+` becomes a space only in forms.
    static func percentDecode(_ text: Substring, plusIsSpace: Bool) -> String {
        guard text.contains("%") || (plusIsSpace && text.contains("+")) else { return String(text) }
        var bytes: [UInt8] = []
        let utf8 = Array(text.utf8)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), index + 2 < utf8.count,
               let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2]) {
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
