import ArgumentParser
import KleinArchive

/// `--json`: one spelling and one meaning for every command that can print for machines.
struct JSONOption: ParsableArguments {
    @Flag(help: "Print JSON for machines instead of text for people.") var json = false
}

/// `--data`: the directory where a command keeps state on this machine, the same option everywhere.
struct DataOption: ParsableArguments {
    @Option(help: """
        Data directory (default ./klein-data): the event log (events.sqlite), pulled images (images/), \
        unpacked images (rootfs/), containers (containers/), and the registry's storage for klein serve and klein registry.
        """)
    var data: String?

    static let defaultDirectory = "./klein-data"

    /// The directory given, else `./klein-data`.
    var directory: String { data ?? Self.defaultDirectory }
}

/// `--max-layer-size` and `--max-expansion`: the bounds against decompression bombs, for the commands that unpack.
struct UnpackLimits: ParsableArguments {
    @Option(help: "Largest uncompressed size of one layer in bytes (default 68719476736, 64 GiB; 0 for no limit).")
    var maxLayerSize: Int64?
    @Option(help: "How many times its compressed size a layer may grow to; any layer may reach 1 GiB (default 100; 0 for no limit).")
    var maxExpansion: Int64?

    func validate() throws {
        if let maxLayerSize, maxLayerSize < 0 { throw ValidationError("--max-layer-size must be 0 (no limit) or a number of bytes") }
        if let maxExpansion, maxExpansion < 0 { throw ValidationError("--max-expansion must be 0 (no limit) or a positive factor") }
    }

    /// Unpack options with these bounds (the defaults where a flag is absent).
    var options: UnpackOptions {
        var options = UnpackOptions()
        if let maxLayerSize { options.maximumLayerSize = maxLayerSize == 0 ? nil : maxLayerSize }
        if let maxExpansion { options.maximumExpansion = maxExpansion == 0 ? nil : maxExpansion }
        return options
    }
}
