import Glibc
import Logging
import NIOCore
import NIOHTTP1

/// Anything that answers registry requests.
protocol RequestResponder: Sendable {
    func respond(to request: RegistryRequest, body: RequestBody) async -> RegistryResponse
}

/// Serves the requests of one HTTP/1.1 connection in order: reads each head, lets the responder
/// stream the body, writes the answer (files with `sendfile` unless TLS is on), logs and counts it.
struct HTTPConnection {
    let responder: any RequestResponder
    let tracker: ConnectionTracker
    let metrics: RegistryMetrics
    let logger: Logger
    let usesTLS: Bool
    /// A body the responder left unread is drained up to this size; past it the connection closes.
    static let drainLimit: Int64 = 1 << 20

    func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        let channel = connection.channel
        let remote = channel.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "-"
        let id = tracker.opened(channel)
        defer { tracker.closed(id) }
        do {
            try await connection.executeThenClose { inbound, _ in
                let parts = InboundParts(inbound) { tracker.waiting(id, $0) }
                while tracker.setIdle(id, true), let part = try await parts.next() {
                    _ = tracker.setIdle(id, false)
                    guard case let .head(head) = part else { continue }
                    let keepAlive = try await serveRequest(head: head, parts: parts, channel: channel, remote: remote)
                    if !keepAlive { break }
                }
            }
        } catch {
            logger.debug("connection ended", metadata: ["remote": "\(remote)", "error": "\(error)"])
        }
    }

    /// Answers one request; returns whether the connection may carry another.
    private func serveRequest(head: HTTPRequestHead, parts: InboundParts, channel: any Channel, remote: String) async throws -> Bool {
        let start = ContinuousClock.now
        let request = RegistryRequest(head: head, remote: remote)
        // `100 Continue` only once the responder reads the body, so refused requests are not invited to send it.
        parts.continueHandler = head.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" })
            ? { channel.writeAndFlush(HTTPServerResponsePart.head(HTTPResponseHead(version: head.version, status: .continue)), promise: nil) }
            : nil
        let body = RequestBody(parts: parts)
        let response = await responder.respond(to: request, body: body)
        parts.continueHandler = nil
        var keepAlive = head.isKeepAlive && !tracker.isShuttingDown
        if !body.isFinished, !(await body.drain(upTo: Self.drainLimit)) { keepAlive = false }
        if body.isCutOff {
            // Nobody to answer: a client that hung up reads nothing, and NIO's error handler has already
            // answered a request its parser refused (400) and closes the connection.
            logger.info("request cut off", metadata: [
                "remote": "\(remote)", "method": "\(head.method.rawValue)", "uri": "\(head.uri)", "received": "\(body.bytesRead)",
            ])
            return false
        }
        let sent = try await write(response, for: request, version: head.version, keepAlive: keepAlive, to: channel)
        let duration = ContinuousClock.now - start
        let route = request.route?.label ?? "unknown"
        metrics.request(route: route, method: head.method.rawValue, status: Int(response.status.code),
                        received: body.bytesRead, sent: sent, duration: duration)
        logger.info("request", metadata: [
            "remote": "\(remote)", "method": "\(head.method.rawValue)", "uri": "\(head.uri)",
            "status": "\(response.status.code)", "received": "\(body.bytesRead)", "sent": "\(sent)",
            "duration_ms": "\(duration.milliseconds)", "user": "\(response.headers.first(name: Self.userHeader) ?? "-")",
        ])
        return keepAlive
    }

    /// Internal header the responder uses to tell the access log who the user was; never sent.
    static let userHeader = "X-Klein-User"

    private func write(_ response: RegistryResponse, for request: RegistryRequest, version: HTTPVersion,
                       keepAlive: Bool, to channel: any Channel) async throws -> Int64 {
        var response = response
        var file: NIOFileHandle?
        if case let .file(path, _, _) = response.body {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            if descriptor < 0 {
                logger.error("stored blob vanished before it could be sent", metadata: ["path": "\(path)", "errno": "\(errno)"])
                response = RegistryResponse(.internalServerError)
            } else {
                file = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: descriptor)
            }
        }
        defer { try? file?.close() }
        var headers = response.headers
        headers.remove(name: Self.userHeader)
        headers.replaceOrAdd(name: "Content-Length", value: String(response.contentLength))
        headers.replaceOrAdd(name: "Docker-Distribution-API-Version", value: "registry/2.0")
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        channel.write(HTTPServerResponsePart.head(HTTPResponseHead(version: version, status: response.status, headers: headers)), promise: nil)
        var sent: Int64 = 0
        if !request.isHead {
            switch response.body {
            case .empty:
                break
            case let .bytes(bytes):
                channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: bytes))), promise: nil)
                sent = Int64(bytes.count)
            case let .file(_, offset, length):
                if let file {
                    try await sendFile(file, offset: offset, length: length, to: channel)
                    sent = length
                }
            }
        }
        try await channel.writeAndFlush(HTTPServerResponsePart.end(nil)).get()
        return sent
    }

    /// Sends a file range: one zero-copy region on plain TCP; bounded chunks through TLS, which cannot take regions.
    private func sendFile(_ file: NIOFileHandle, offset: Int64, length: Int64, to channel: any Channel) async throws {
        guard usesTLS else {
            let region = FileRegion(fileHandle: file, readerIndex: Int(offset), endIndex: Int(offset + length))
            channel.write(HTTPServerResponsePart.body(.fileRegion(region)), promise: nil)
            return
        }
        let chunkSize = 256 << 10
        var position = offset
        let end = offset + length
        while position < end {
            let count = Int(min(Int64(chunkSize), end - position))
            var buffer = channel.allocator.buffer(capacity: count)
            let read = try file.withUnsafeFileDescriptor { descriptor in
                buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { pointer in
                    max(0, pread(descriptor, pointer.baseAddress, count, off_t(position)))
                }
            }
            guard read > 0 else { throw RequestBodyError.connectionClosed }
            position += Int64(read)
            try await channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(buffer))).get()
        }
    }
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
