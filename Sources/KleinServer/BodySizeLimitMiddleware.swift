import Hummingbird

/// Bounds request bodies: a request whose `Content-Length` exceeds its limit is refused before any of
/// its body is read, and a body that grows past the limit while streaming fails with `RequestBodyTooLarge`.
package struct BodySizeLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limit: @Sendable (Request, Context) -> Int?
    let refusal: @Sendable (Request, Context, _ limit: Int) -> Response

    /// `limit` gives a request's limit in bytes (`nil`: unlimited, e.g. streamed uploads); `refusal`
    /// answers a request that declares too large a body.
    package init(limit: @escaping @Sendable (Request, Context) -> Int?, refusal: @escaping @Sendable (Request, Context, _ limit: Int) -> Response) {
        self.limit = limit
        self.refusal = refusal
    }

    /// Applies the request's limit, then calls `next`.
    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let limit = limit(request, context) else { return try await next(request, context) }
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            return refusal(request, context, limit)
        }
        var request = request
        request.limitBody(to: limit)
        return try await next(request, context)
    }
}
