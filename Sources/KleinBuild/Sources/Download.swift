import AsyncHTTPClient
import Foundation
import KleinArchive
import KleinClient
import NIOCore

/// Streams an http(s) URL to a file (redirects followed), never holding it in memory.
enum Download {
    static func fetch(_ url: String, to path: String, artifact: String) async throws(BuildError) {
        let sink: FileSink
        do { sink = try FileSink(path: path, mode: 0o600, exclusive: true) } catch { throw .archive(what: "creating \(path)", error) }
        var stage = TransportError.Stage.connecting
        do {
            let request = HTTPClientRequest(url: url)
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(300))
            stage = .receiving
            guard response.status == .ok else {
                throw BuildError.source(artifact: artifact, reason: "GET \(url) answered \(response.status.code) \(response.status.reasonPhrase)")
            }
            for try await chunk in response.body {
                try chunk.withUnsafeReadableBytes { (buffer) throws(ArchiveError) in try sink.write(buffer) }
            }
            try sink.finish()
        } catch let error as BuildError {
            throw error
        } catch let error as ArchiveError {
            throw .archive(what: "artifact \"\(artifact)\": writing \(path)", error)
        } catch {
            let failure = TransportError(endpoint: URL(string: url)?.host ?? url, request: "GET \(url)", stage: stage, underlying: error)
            throw .client(what: "artifact \"\(artifact)\"", .transport(failure))
        }
    }
}
