import ArgumentParser
import KleinConfig
import KleinOCI
import KleinStore

struct LayoutGC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove blobs that nothing in index.json reaches.",
        discussion: """
        Keeps everything reachable from index.json: indexes, manifests, configs, layers, and referrers \
        (signatures, SBOMs, …) whose subject is reachable. Also removes leftovers of interrupted imports.
        Example:
          klein layout gc ./images --grace 1h
        """
    )

    @Argument(help: "Directory of the layout.") var path: String
    @Option(help: "Spare unreferenced blobs modified within this long (e.g. 30s, 10m, 1h), for writers other than Klein.")
    var grace: DurationArgument = DurationArgument(seconds: 0)
    @Flag(help: "Report what would be removed without removing it.") var dryRun = false
    @OptionGroup var format: JSONOption

    func run() throws {
        let report = try OCILayout(opening: path).gc(grace: grace.seconds, dryRun: dryRun)
        if format.json {
            Output.printJSON(.object([
                "kept": .integer(Int64(report.kept)),
                "removed": .array(report.removed.map { .string($0.description) }),
                "removedBytes": .integer(report.removedBytes),
                "spared": .array(report.spared.map { .string($0.description) }),
                "removedScratchFiles": .integer(Int64(report.removedScratchFiles)),
                "dryRun": .bool(dryRun),
            ]))
            return
        }
        let verb = dryRun ? "would remove" : "removed"
        for digest in report.removed { print("\(verb) \(digest)") }
        print("\(verb) \(report.removed.count) blobs (\(Output.bytes(report.removedBytes))), kept \(report.kept)"
            + (report.spared.isEmpty ? "" : ", spared \(report.spared.count) within the grace period")
            + (report.removedScratchFiles == 0 ? "" : ", \(verb) \(report.removedScratchFiles) interrupted-import files"))
    }
}

struct LayoutFsck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fsck",
        abstract: "Re-hash every blob and check that everything index.json reaches is present.",
        discussion: "Exits non-zero when a blob is corrupt or missing.\nExample:\n  klein layout fsck ./images"
    )

    @Argument(help: "Directory of the layout.") var path: String
    @OptionGroup var format: JSONOption

    func run() throws {
        let report = try OCILayout(opening: path).fsck()
        if format.json {
            Output.printJSON(.object([
                "checkedBlobs": .integer(Int64(report.checkedBlobs)),
                "checkedBytes": .integer(report.checkedBytes),
                "reachable": .integer(Int64(report.reachable)),
                "scratchFiles": .integer(Int64(report.scratchFiles)),
                "problems": .array(report.problems.map { .object(["kind": .string($0.kind.rawValue), "path": .string($0.path), "detail": .string($0.detail)]) }),
            ]))
        } else {
            for problem in report.problems { print(problem) }
            print("checked \(report.checkedBlobs) blobs (\(Output.bytes(report.checkedBytes))), \(report.reachable) reachable, \(report.problems.count) problems"
                + (report.scratchFiles == 0 ? "" : "; \(report.scratchFiles) leftover files of interrupted imports (removed by `klein layout gc`)"))
        }
        if !report.isClean { throw ExitCode(1) }
    }
}

/// A duration such as `90`, `30s`, `10m`, `2h` or `1d`.
struct DurationArgument: ExpressibleByArgument {
    let seconds: Int64

    init(seconds: Int64) { self.seconds = seconds }

    init?(argument: String) {
        guard case let .success(seconds) = DurationGrammar.seconds(argument) else { return nil }
        self.seconds = seconds
    }
}
