import Hummingbird

/// Where `RequestMetricsMiddleware` reports each answered request.
package protocol RequestMetricsRecorder: Sendable {
    /// Records one answered request: its route label, method, status, body bytes in and out, and the
    /// time from its arrival to the last byte of its response.
    func request(route: String, method: String, status: Int, received: Int64, sent: Int64, duration: Duration)
}

/// Reports every answered request to a `RequestMetricsRecorder` once its response has been written.
/// An error thrown past it is reported with the status it will be answered with; a request cut off by
/// its client is not answered, so not reported.
package struct RequestMetricsMiddleware<Context: RecordingRequestContext>: RouterMiddleware {
    let recorder: any RequestMetricsRecorder

    /// Reports to `recorder`.
    package init(recorder: any RequestMetricsRecorder) {
        self.recorder = recorder
    }

    /// Measures the request handled by `next`.
    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        let record = context.record
        request.meterBody(into: record)
        let (recorder, method) = (recorder, request.method.rawValue)
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            if !isConnectionCutOff(error) {
                let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
                recorder.request(route: record.route, method: method, status: Int(status.code), received: record.received,
                                 sent: 0, duration: ContinuousClock.now - record.start)
            }
            throw error
        }
        let status = Int(response.status.code)
        response.body = response.body.observed(isHead: request.method == .head) { sent, _ in
            recorder.request(route: record.route, method: method, status: status, received: record.received,
                             sent: sent, duration: ContinuousClock.now - record.start)
        }
        return response
    }
}
