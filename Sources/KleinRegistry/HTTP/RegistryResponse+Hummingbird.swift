import Glibc
import Hummingbird
import KleinSystem
import Logging

extension RegistryResponse {
    /// The Hummingbird response: `Content-Length` always announced, no body bytes for `HEAD`, file
    /// ranges read from disk (small ones at once, large ones streamed in chunks read off the
    /// cooperative threads). A stored file that cannot be opened is answered 500.
    func response(isHead: Bool, logger: Logger? = nil) -> Response {
        var headers = headers
        headers[.contentLength] = String(contentLength)
        if isHead { return Response(status: status, headers: headers) }
        switch body {
        case .empty:
            return Response(status: status, headers: headers)
        case let .bytes(bytes):
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        case let .file(path, offset, length):
            do {
                let file = try POSIXFile.open(path, flags: O_RDONLY | O_CLOEXEC)
                let body = try FileRangeBody(file: file, offset: offset, length: length).responseBody()
                return Response(status: status, headers: headers, body: body)
            } catch {
                logger?.error("a stored blob could not be read", metadata: ["path": "\(path)", "error": "\(error)"])
                return Response(status: .internalServerError, headers: [.contentLength: "0"])
            }
        }
    }
}
