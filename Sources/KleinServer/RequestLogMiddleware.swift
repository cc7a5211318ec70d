import Hummingbird
import Logging
import NIOHTTP1

/// Logs one line per request once its response has been written: client, method, URI, status, body
/// bytes in and out, duration and user. A request whose body was cut off is logged as such (it is not
/// answered), and so is an error thrown past the middleware.
package struct RequestLogMiddleware<Context: RecordingRequestContext>: RouterMiddleware {
    let logger: Logger

    /// Logs to `logger` at info level.
    package init(logger: Logger) {
        self.logger = logger
    }

    /// Logs the request handled by `next`.
    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        let record = context.record
        request.meterBody(into: record)
        let (logger, remote, method, uri) = (logger, context.remote, request.method.rawValue, request.uri.description)
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let cutOff = isConnectionCutOff(error)
            logger.info(cutOff ? "request cut off" : "request failed", metadata: [
                "remote": "\(remote)", "method": "\(method)", "uri": "\(uri)", "received": "\(record.received)",
                "error": "\(error)", "user": "\(record.user ?? "-")",
            ])
            throw error
        }
        let status = response.status.code
        response.body = response.body.observed(isHead: request.method == .head) { sent, error in
            logger.info(error == nil ? "request" : "response cut off", metadata: [
                "remote": "\(remote)", "method": "\(method)", "uri": "\(uri)", "status": "\(status)",
                "received": "\(record.received)", "sent": "\(sent)",
                "duration_ms": "\((ContinuousClock.now - record.start).milliseconds)", "user": "\(record.user ?? "-")",
            ])
        }
        return response
    }
}

/// Whether `error` means the client's request ended early (it hung up or sent a malformed message):
/// such a request gets no answer.
package func isConnectionCutOff(_ error: any Error) -> Bool {
    error is HTTPParserError
}

extension Duration {
    /// Whole milliseconds.
    package var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
