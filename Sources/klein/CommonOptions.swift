import ArgumentParser

/// `--json`: one spelling and one meaning for every command that can print for machines.
struct JSONOption: ParsableArguments {
    @Flag(help: "Print JSON for machines instead of text for people.") var json = false
}

/// `--data`: the directory where a command keeps state on this machine, the same option everywhere.
struct DataOption: ParsableArguments {
    @Option(help: """
        Data directory (default ./klein-data): the event log (events.sqlite), pulled images (images/), \
        unpacked images (rootfs/), and the registry's storage for klein serve and klein registry.
        """)
    var data: String?

    static let defaultDirectory = "./klein-data"

    /// The directory given, else `./klein-data`.
    var directory: String { data ?? Self.defaultDirectory }
}
