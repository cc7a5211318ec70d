import Hummingbird
import KleinServer

/// The registry's endpoints as one Hummingbird responder, behind the middleware `RegistryServer`
/// stacks in front of it.
struct RegistryResponder: HTTPResponder {
    let service: RegistryService

    func respond(to request: Request, context: RegistryRequestContext) async throws -> Response {
        let parsed = context.request
        let body = BodyReader(request.body)
        let response = await service.respond(to: parsed, body: body)
        // A request whose body was cut off is not answered: the client is gone or its message is broken.
        if let cutOff = body.cutOff { throw cutOff }
        return response.response(isHead: parsed.isHead, logger: service.logger)
    }
}
