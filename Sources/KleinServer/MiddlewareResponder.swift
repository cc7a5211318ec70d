import Hummingbird

/// A responder behind one middleware, which sees each request first. Built with `behind(_:)`, a stack
/// of middleware is one concrete, statically dispatched responder for `KleinHTTPServer`.
package struct MiddlewareResponder<Middleware: RouterMiddleware, Next: HTTPResponder>: HTTPResponder
where Middleware.Context == Next.Context {
    let middleware: Middleware
    let next: Next

    /// Passes the request through the middleware to the next responder.
    package func respond(to request: Request, context: Next.Context) async throws -> Response {
        try await middleware.handle(request, context: context) { request, context in
            try await next.respond(to: request, context: context)
        }
    }
}

extension HTTPResponder {
    /// This responder with `middleware` in front of it.
    package func behind<M: RouterMiddleware>(_ middleware: M) -> MiddlewareResponder<M, Self> where M.Context == Context {
        MiddlewareResponder(middleware: middleware, next: self)
    }
}
