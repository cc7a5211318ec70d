import Hummingbird
import KleinServer

/// The registry's first middleware: parses the path into a `Route` (repository names contain `/`, so
/// the registry matches paths itself), names the route for logs and metrics, answers unknown paths
/// (404) and malformed repository names (`NAME_INVALID`) before credentials are looked at, and stamps
/// every answer with `Docker-Distribution-API-Version`.
struct RegistryRouting: RouterMiddleware {
    typealias Context = RegistryRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let parsed = RegistryRequest(request, remote: context.remote)
        var response: Response
        if let route = parsed.route {
            context.record.route = route.label
            do {
                if let name = route.repository { try Route.validate(repository: name) }
                var context = context
                context.parsed = parsed
                response = try await next(request, context)
            } catch let error as RegistryError {
                response = RegistryResponse(error: error).response(isHead: parsed.isHead)
            }
        } else {
            response = RegistryResponse(error: RegistryError(.unsupported, status: 404, "no endpoint at \(parsed.path)"))
                .response(isHead: parsed.isHead)
        }
        response.headers[.dockerDistributionAPIVersion] = "registry/2.0"
        return response
    }
}
