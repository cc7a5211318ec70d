import Hummingbird
import KleinServer

/// The registry's half of `AuthorizationMiddleware`: asks `AccessControl` for the scopes the
/// request's endpoint needs.
struct RegistryAuthorizer: RequestAuthorizer {
    let access: AccessControl

    func authorize(_ request: Request, context: RegistryRequestContext) async -> AccessDecision {
        let parsed = context.request
        guard let route = parsed.route else { return .allowed(user: nil) }
        switch await access.check(parsed, route: route) {
        case let .allowed(user): return .allowed(user: user)
        case let .refused(refusal): return .refused(refusal.response(isHead: parsed.isHead))
        }
    }
}
