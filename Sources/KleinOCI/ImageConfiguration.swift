/// An image configuration (image-spec config.md); reads Docker image configs too.
/// Every field of config.md is modelled; anything else (Docker's `container_config`, …) is kept verbatim.
public struct ImageConfiguration: Hashable, JSONRepresentable {
    /// RFC 3339 creation time.
    public var created: String?
    /// The `author` field: who made the image.
    public var author: String?
    /// The CPU architecture (GOARCH values: `amd64`, `arm64`, …).
    public var architecture: String
    /// The operating system (GOOS values: `linux`, …).
    public var os: String
    /// The `os.version` field.
    public var osVersion: String?
    /// The `os.features` field.
    public var osFeatures: [String]?
    /// The CPU variant (`v8` for arm64, …).
    public var variant: String?
    /// How to run a container from the image.
    public var config: ExecutionConfig?
    /// The layers' uncompressed digests.
    public var rootfs: RootFS
    /// The build steps, oldest first.
    public var history: [History]?
    /// Fields this version of Klein does not model, kept verbatim.
    public var unknownFields: [String: JSONValue]

    /// A configuration for `os`/`architecture` with `rootfs` and nothing else.
    public init(architecture: String, os: String, variant: String? = nil, rootfs: RootFS = RootFS(diffIDs: [])) {
        self.architecture = architecture
        self.os = os
        self.variant = variant
        self.rootfs = rootfs
        self.unknownFields = [:]
    }

    /// Decodes the JSON object at `path` (for error messages), keeping fields it does not model.
    public init(json: JSONValue, path: String) throws(OCIError) {
        var fields = try JSONFields(json, kind: "image configuration", path: path)
        created = try fields.string("created")
        author = try fields.string("author")
        architecture = try fields.requiredString("architecture")
        os = try fields.requiredString("os")
        osVersion = try fields.string("os.version")
        osFeatures = try fields.stringArray("os.features")
        variant = try fields.string("variant")
        config = try fields.object("config", ExecutionConfig.init(json:path:))
        guard let rootfs = try fields.object("rootfs", RootFS.init(json:path:)) else {
            throw fields.error("rootfs", "required field is missing")
        }
        self.rootfs = rootfs
        history = try fields.array("history", History.init(json:path:))
        unknownFields = fields.remaining
    }

    /// The JSON object, unmodelled fields included.
    public var jsonValue: JSONValue {
        var object = JSONObjectBuilder(preserving: unknownFields)
        object.set("created", created)
        object.set("author", author)
        object.set("architecture", architecture)
        object.set("os", os)
        object.set("os.version", osVersion)
        object.set("os.features", osFeatures)
        object.set("variant", variant)
        object.set("config", config)
        object.set("rootfs", rootfs)
        object.set("history", history)
        return object.value
    }

    /// The platform this image is for.
    public var platform: Platform {
        Platform(os: os, architecture: architecture, variant: variant, osVersion: osVersion, osFeatures: osFeatures)
    }
}

extension ImageConfiguration {
    /// config.md, "config": the execution parameters for a container made from the image.
    public struct ExecutionConfig: Hashable, JSONRepresentable {
        /// The user (and group) the process runs as: a name, `uid`, or `user:group`.
        public var user: String?
        /// Keys like `80/tcp`; values are empty objects.
        public var exposedPorts: [String: JSONValue]?
        /// `KEY=value` environment entries.
        public var env: [String]?
        /// The executable and its first arguments.
        public var entrypoint: [String]?
        /// Default arguments after `entrypoint`, or the command when there is none.
        public var cmd: [String]?
        /// Keys are mount paths; values are empty objects.
        public var volumes: [String: JSONValue]?
        /// The process's working directory.
        public var workingDir: String?
        /// Arbitrary metadata.
        public var labels: [String: String]?
        /// The signal that asks the process to stop (`SIGTERM` when absent).
        public var stopSignal: String?
        /// Deprecated in config.md, kept for Windows images.
        public var argsEscaped: Bool?
        /// Fields this version of Klein does not model, kept verbatim.
        public var unknownFields: [String: JSONValue]

        /// A configuration with no fields set.
        public init() { unknownFields = [:] }

        /// Decodes the JSON object at `path` (for error messages), keeping fields it does not model.
        public init(json: JSONValue, path: String) throws(OCIError) {
            var fields = try JSONFields(json, kind: "image configuration", path: path)
            user = try fields.string("User")
            exposedPorts = try fields.keySet("ExposedPorts")
            env = try fields.stringArray("Env")
            entrypoint = try fields.stringArray("Entrypoint")
            cmd = try fields.stringArray("Cmd")
            volumes = try fields.keySet("Volumes")
            workingDir = try fields.string("WorkingDir")
            labels = try fields.stringMap("Labels")
            stopSignal = try fields.string("StopSignal")
            argsEscaped = try fields.bool("ArgsEscaped")
            unknownFields = fields.remaining
        }

        /// The JSON object, unmodelled fields included.
        public var jsonValue: JSONValue {
            var object = JSONObjectBuilder(preserving: unknownFields)
            object.set("User", user)
            object.set("ExposedPorts", exposedPorts.map(JSONValue.object))
            object.set("Env", env)
            object.set("Entrypoint", entrypoint)
            object.set("Cmd", cmd)
            object.set("Volumes", volumes.map(JSONValue.object))
            object.set("WorkingDir", workingDir)
            object.set("Labels", labels)
            object.set("StopSignal", stopSignal)
            object.set("ArgsEscaped", argsEscaped)
            return object.value
        }
    }

    /// config.md, "rootfs": the layer content addresses (`diff_ids`) of the uncompressed layers.
    public struct RootFS: Hashable, JSONRepresentable {
        /// Always `layers`.
        public var type: String
        /// The uncompressed layers' digests, in order.
        public var diffIDs: [Digest]
        /// Fields this version of Klein does not model, kept verbatim.
        public var unknownFields: [String: JSONValue]

        /// A `layers` rootfs of `diffIDs`.
        public init(diffIDs: [Digest]) {
            self.type = "layers"
            self.diffIDs = diffIDs
            self.unknownFields = [:]
        }

        /// Decodes the JSON object at `path` (for error messages), keeping fields it does not model.
        public init(json: JSONValue, path: String) throws(OCIError) {
            var fields = try JSONFields(json, kind: "image configuration", path: path)
            type = try fields.requiredString("type")
            guard type == "layers" else { throw fields.error("type", "must be \"layers\", found \"\(type)\"") }
            let texts = try fields.stringArray("diff_ids") ?? []
            var diffIDs: [Digest] = []
            for (index, text) in texts.enumerated() {
                do { diffIDs.append(try Digest(text)) } catch { throw fields.error("diff_ids[\(index)]", error.description) }
            }
            self.diffIDs = diffIDs
            unknownFields = fields.remaining
        }

        /// The JSON object, unmodelled fields included.
        public var jsonValue: JSONValue {
            var object = JSONObjectBuilder(preserving: unknownFields)
            object.set("type", type)
            object.set("diff_ids", diffIDs.map(\.description))
            return object.value
        }
    }

    /// config.md, "history": one entry per build step.
    public struct History: Hashable, JSONRepresentable {
        /// RFC 3339 time of the step.
        public var created: String?
        /// Who made the step.
        public var author: String?
        /// The command of the step.
        public var createdBy: String?
        /// A comment on the step.
        public var comment: String?
        /// True when the step produced no layer.
        public var emptyLayer: Bool?
        /// Fields this version of Klein does not model, kept verbatim.
        public var unknownFields: [String: JSONValue]

        /// A history entry with the given fields.
        public init(created: String? = nil, author: String? = nil, createdBy: String? = nil, comment: String? = nil, emptyLayer: Bool? = nil) {
            self.created = created
            self.author = author
            self.createdBy = createdBy
            self.comment = comment
            self.emptyLayer = emptyLayer
            self.unknownFields = [:]
        }

        /// Decodes the JSON object at `path` (for error messages), keeping fields it does not model.
        public init(json: JSONValue, path: String) throws(OCIError) {
            var fields = try JSONFields(json, kind: "image configuration", path: path)
            created = try fields.string("created")
            author = try fields.string("author")
            createdBy = try fields.string("created_by")
            comment = try fields.string("comment")
            emptyLayer = try fields.bool("empty_layer")
            unknownFields = fields.remaining
        }

        /// The JSON object, unmodelled fields included.
        public var jsonValue: JSONValue {
            var object = JSONObjectBuilder(preserving: unknownFields)
            object.set("created", created)
            object.set("author", author)
            object.set("created_by", createdBy)
            object.set("comment", comment)
            object.set("empty_layer", emptyLayer)
            return object.value
        }
    }
}
