/// An image configuration (image-spec config.md); reads Docker image configs too.
/// Every field of config.md is modelled; anything else (Docker's `container_config`, …) is kept verbatim.
public struct ImageConfiguration: Hashable, JSONRepresentable {
    /// RFC 3339 creation time.
    public var created: String?
    public var author: String?
    public var architecture: String
    public var os: String
    public var osVersion: String?
    public var osFeatures: [String]?
    public var variant: String?
    public var config: ExecutionConfig?
    public var rootfs: RootFS
    public var history: [History]?
    public var unknownFields: [String: JSONValue]

    public init(architecture: String, os: String, variant: String? = nil, rootfs: RootFS = RootFS(diffIDs: [])) {
        self.architecture = architecture
        self.os = os
        self.variant = variant
        self.rootfs = rootfs
        self.unknownFields = [:]
    }

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
        public var user: String?
        /// Keys like `80/tcp`; values are empty objects.
        public var exposedPorts: [String: JSONValue]?
        public var env: [String]?
        public var entrypoint: [String]?
        public var cmd: [String]?
        /// Keys are mount paths; values are empty objects.
        public var volumes: [String: JSONValue]?
        public var workingDir: String?
        public var labels: [String: String]?
        public var stopSignal: String?
        /// Deprecated in config.md, kept for Windows images.
        public var argsEscaped: Bool?
        public var unknownFields: [String: JSONValue]

        public init() { unknownFields = [:] }

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
        public var type: String
        public var diffIDs: [Digest]
        public var unknownFields: [String: JSONValue]

        public init(diffIDs: [Digest]) {
            self.type = "layers"
            self.diffIDs = diffIDs
            self.unknownFields = [:]
        }

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

        public var jsonValue: JSONValue {
            var object = JSONObjectBuilder(preserving: unknownFields)
            object.set("type", type)
            object.set("diff_ids", diffIDs.map(\.description))
            return object.value
        }
    }

    /// config.md, "history": one entry per build step.
    public struct History: Hashable, JSONRepresentable {
        public var created: String?
        public var author: String?
        public var createdBy: String?
        public var comment: String?
        /// True when the step produced no layer.
        public var emptyLayer: Bool?
        public var unknownFields: [String: JSONValue]

        public init(created: String? = nil, author: String? = nil, createdBy: String? = nil, comment: String? = nil, emptyLayer: Bool? = nil) {
            self.created = created
            self.author = author
            self.createdBy = createdBy
            self.comment = comment
            self.emptyLayer = emptyLayer
            self.unknownFields = [:]
        }

        public init(json: JSONValue, path: String) throws(OCIError) {
            var fields = try JSONFields(json, kind: "image configuration", path: path)
            created = try fields.string("created")
            author = try fields.string("author")
            createdBy = try fields.string("created_by")
            comment = try fields.string("comment")
            emptyLayer = try fields.bool("empty_layer")
            unknownFields = fields.remaining
        }

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
