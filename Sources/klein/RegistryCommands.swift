import ArgumentParser
import KleinOCI
import KleinRegistry
import KleinStore
import KleinSystem
import Logging

/// `klein registry gc|fsck`: maintenance of a `klein serve` data directory, safe while it serves.
struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Maintain a registry data directory (safe while klein serve runs).",
        subcommands: [RegistryGC.self, RegistryFsck.self]
    )
}

struct RegistryGC: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove blobs no manifest references, expire idle uploads, clear interrupted writes.",
        discussion: """
        Blobs added within the grace period, blobs any manifest references, and open uploads are kept.

        Examples:
          klein registry gc --data ./klein-data
          klein registry gc --data ./klein-data --grace 0s --dry-run
        """
    )

    @OptionGroup var dataOption: DataOption
    @Option(help: "TOML configuration file to take the data directory and gc settings from.") var config: String?
    @Option(help: "Keep blobs younger than this, e.g. 1h (default from the configuration, 1h).") var grace: DurationArgument?
    @Option(help: "Remove upload sessions idle this long, e.g. 24h (default from the configuration, 24h).") var uploadExpiry: DurationArgument?
    @Flag(help: "Report what would be removed without removing it.") var dryRun = false
    @OptionGroup var format: JSONOption

    func run() async throws {
        let service = try RegistryMaintenance.open(data: dataOption.data, config: config, uploadExpiry: uploadExpiry?.seconds)
        let report = try await service.collectGarbage(grace: grace?.seconds, dryRun: dryRun)
        if format.json {
            Output.printJSON(.object([
                "removed": .array(report.removed.map { .string($0.description) }),
                "removedBytes": .integer(report.removedBytes),
                "expiredUploads": .integer(Int64(report.expiredUploads)),
                "removedScratchFiles": .integer(Int64(report.removedScratchFiles)),
                "removedOrphans": .integer(Int64(report.removedOrphans)),
                "dryRun": .bool(dryRun),
            ]))
            return
        }
        let verb = dryRun ? "would remove" : "removed"
        for digest in report.removed { print("\(verb) \(digest)") }
        print("\(verb) \(report.removed.count) blobs (\(Output.bytes(report.removedBytes))), "
            + "\(report.expiredUploads) expired uploads, \(report.removedScratchFiles + report.removedOrphans) interrupted writes")
    }
}

struct RegistryFsck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fsck",
        abstract: "Re-hash every blob and check every manifest's blobs are present; exit 1 on problems.",
        discussion: "Example:\n  klein registry fsck --data ./klein-data"
    )

    @OptionGroup var dataOption: DataOption
    @Option(help: "TOML configuration file to take the data directory from.") var config: String?
    @OptionGroup var format: JSONOption

    func run() async throws {
        let service = try RegistryMaintenance.open(data: dataOption.data, config: config)
        let report = try await service.checkConsistency()
        if format.json {
            Output.printJSON(.object([
                "checkedBlobs": .integer(Int64(report.checkedBlobs)),
                "problems": .array(report.problems.map { .string($0) }),
            ]))
        } else {
            for problem in report.problems { print(problem) }
            print("checked \(report.checkedBlobs) blobs: \(report.problems.isEmpty ? "ok" : "\(report.problems.count) problems")")
        }
        if !report.problems.isEmpty { throw ExitCode(1) }
    }
}

enum RegistryMaintenance {
    /// Opens a data directory for maintenance; authentication settings are not needed for it.
    static func open(data: String?, config: String?, uploadExpiry: Int64? = nil) throws -> RegistryService {
        var configuration = RegistryConfiguration()
        do {
            if let config { try configuration.load(tomlFile: config) }
        } catch {
            throw CLIError(error.description)
        }
        if let data { configuration.dataDirectory = data }
        if let uploadExpiry {
            guard uploadExpiry > 0 else { throw CLIError("--upload-expiry must be positive") }
            configuration.uploadExpiry = uploadExpiry
        }
        configuration.authMode = .none
        guard FileSystem.isDirectory(configuration.dataDirectory) else {
            throw CLIError("\(configuration.dataDirectory) is not a registry data directory")
        }
        return try RegistryService(configuration: configuration, metrics: RegistryMetrics(), logger: Logger(label: "klein.registry"))
    }
}
