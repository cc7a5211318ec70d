import KleinClient
import KleinOCI
import KleinStore

/// `klein verify`: fetches every artifact's source again from where the spec says it is (git, URL,
/// Debian mirror, registry, local files under `context`) and compares it with the copy embedded in
/// the image.
public struct Verifier {
    /// The build to verify.
    public let build: EmbeddedBuild
    /// Directory local sources are relative to.
    public let context: String
    /// The session OCI sources are fetched through.
    public let session: RegistrySession

    /// A verification of `build`, reading local sources relative to `context`.
    public init(build: EmbeddedBuild, context: String, session: RegistrySession) {
        self.build = build
        self.context = context
        self.session = session
    }

    /// How one artifact's source compares with its embedded copy.
    public enum Outcome: Sendable, Hashable {
        case verified
        case mismatch(embedded: Digest, regenerated: Digest)
        /// The embedded copy's bytes no longer match its descriptor: the image was altered.
        case embeddedAltered(recorded: Digest, actual: Digest)
        /// The source could not be fetched or regenerated (a commit gone from the repository, a URL
        /// now failing): the artifact is not verified.
        case failed(String)
        case referenceOnly
    }

    /// One artifact's outcome.
    public struct Result: Sendable {
        /// The artifact's name.
        public let artifact: String
        /// Its source's URI.
        public let source: String
        /// How its source compares.
        public let outcome: Outcome
    }

    /// Fetches every artifact's source again and compares it, artifact by artifact, in spec order.
    public func verify() async -> [Result] {
        var results: [Result] = []
        for artifact in build.spec.artifacts {
            results.append(Result(artifact: artifact.name, source: artifact.source.uri, outcome: await verify(artifact)))
        }
        return results
    }

    private func verify(_ artifact: BuildSpec.Artifact) async -> Outcome {
        if artifact.referenceOnly { return .referenceOnly }
        for blob in build.blobs(of: artifact) {
            let path = build.layout.blobs.path(for: blob.digest)
            guard let actual = try? FileHashing.digest(ofFileAt: path).digest else { return .failed("the embedded copy \(blob.digest) is missing") }
            if actual != blob.digest { return .embeddedAltered(recorded: blob.digest, actual: actual) }
        }
        do throws(BuildError) {
            let work = try WorkDirectory()
            let scratch = try BuildError.wrap("creating a scratch store") { try OCILayout.create(at: try work.make("verify") + "/layout") }
            // Pins are not enforced here: content that changed is reported with both digests.
            var fetcher = SourceFetcher(spec: build.spec, context: context, store: scratch.blobs, work: work, session: session)
            fetcher.enforcePins = false
            let fetched = try await fetcher.fetch(artifact)
            let embedded = build.blobs(of: artifact)
            for (index, blob) in embedded.enumerated() {
                let regenerated = fetched.blobs[safe: index]?.digest
                guard let regenerated else { return .failed("the source now has \(fetched.blobs.count) parts; the image embeds \(embedded.count)") }
                if regenerated != blob.digest { return .mismatch(embedded: blob.digest, regenerated: regenerated) }
            }
            return .verified
        } catch {
            return .failed(error.description)
        }
    }
}
