import Hummingbird

/// A decision on one request's credentials and the access it asks for.
package enum AccessDecision: Sendable {
    /// Go on; `user` is the authenticated user, `nil` for anonymous access.
    case allowed(user: String?)
    /// Answer with this response instead (401 with a challenge, 403, 429 with `Retry-After`...).
    case refused(Response)
}

/// Authenticates a request and decides whether it may do what it asks: the server-specific half of
/// `AuthorizationMiddleware`.
package protocol RequestAuthorizer<Context>: Sendable {
    /// The request context the server uses.
    associatedtype Context: RequestContext
    /// Decides `request`.
    func authorize(_ request: Request, context: Context) async -> AccessDecision
}

/// Asks a `RequestAuthorizer` about every request; refused requests are answered without reaching the
/// handler, allowed ones carry their user in the request record (for logs and handlers).
package struct AuthorizationMiddleware<Authorizer: RequestAuthorizer>: RouterMiddleware
where Authorizer.Context: RecordingRequestContext {
    package typealias Context = Authorizer.Context
    let authorizer: Authorizer

    /// Decides with `authorizer`.
    package init(_ authorizer: Authorizer) {
        self.authorizer = authorizer
    }

    /// Calls `next` only for requests the authorizer allows.
    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        switch await authorizer.authorize(request, context: context) {
        case let .allowed(user):
            if let user { context.record.user = user }
            return try await next(request, context)
        case let .refused(response):
            return response
        }
    }
}
