import Foundation
import KleinOCI
import KleinStore

/// An in-toto Statement v1 with a SLSA provenance v1 predicate for a build, attached to the build's
/// index as a referrer (`subject`), outside the reproducible digest so it may carry the run's times.
///
/// in-toto attestation spec, "Statement" (v1); SLSA v1.0 "Provenance" (`buildDefinition`,
/// `resolvedDependencies` as ResourceDescriptors with `uri`, `digest`, `name`; `runDetails`).
struct ProvenanceStatement {
    static let statementType = "https://in-toto.io/Statement/v1"
    static let predicateType = "https://slsa.dev/provenance/v1"
    static let buildType = "https://klein.dev/build/v1"

    let image: BuiltImage
    let dependencies: [ResolvedDependency]
    let startedOn: Date
    let finishedOn: Date

    var json: JSONValue {
        let spec = image.spec
        let subject: JSONValue = .object([
            "name": .string("\(spec.id):\(spec.version)"),
            "digest": .object(["sha256": .string(image.index.digest.encoded)]),
        ])
        let resolved = dependencies.map { dependency -> JSONValue in
            var members: [String: JSONValue] = ["name": .string(dependency.name), "uri": .string(dependency.uri)]
            if !dependency.digest.isEmpty { members["digest"] = .object(dependency.digest.mapValues(JSONValue.string)) }
            return .object(members)
        }
        let specJSON = (try? JSONParser.parse(spec.canonicalJSON)) ?? .null
        let predicate: JSONValue = .object([
            "buildDefinition": .object([
                "buildType": .string(Self.buildType),
                "externalParameters": .object(["spec": specJSON]),
                "resolvedDependencies": .array(resolved),
            ]),
            "runDetails": .object([
                "builder": .object(["id": .string("https://klein.dev/klein@\(KleinVersion.current)")]),
                "metadata": .object([
                    "invocationId": .string(UUID().uuidString.lowercased()),
                    "startedOn": .string(startedOn.formatted(.iso8601)),
                    "finishedOn": .string(finishedOn.formatted(.iso8601)),
                ]),
            ]),
        ])
        return .object([
            "_type": .string(Self.statementType),
            "subject": .array([subject]),
            "predicateType": .string(Self.predicateType),
            "predicate": predicate,
        ])
    }

    /// Stores the statement and its referrer manifest; returns the manifest's descriptor.
    func store(in store: BlobStore) throws(BuildError) -> Descriptor {
        let statement = json.canonicalBytes
        let manifest = ImageManifest(
            artifactType: BuildMediaTypes.provenance,
            config: .empty,
            layers: [Descriptor(mediaType: BuildMediaTypes.provenance, bytes: statement).annotated([BuildAnnotations.predicateType: Self.predicateType])],
            subject: image.index,
            annotations: [AnnotationKey.created: finishedOn.formatted(.iso8601)]
        )
        let bytes = manifest.canonicalJSON
        try BuildError.wrap("storing the provenance statement") {
            try store.write(statement)
            try store.write(Array("{}".utf8))
            try store.write(bytes)
        }
        var descriptor = Descriptor(mediaType: .ociManifest, bytes: bytes)
        descriptor.artifactType = BuildMediaTypes.provenance
        return descriptor
    }
}

extension Descriptor {
    func annotated(_ annotations: [String: String]) -> Descriptor {
        var copy = self
        copy.annotations = annotations
        return copy
    }
}
