import ArgumentParser
import Foundation
import KleinOCI
import KleinPlatform

/// `klein events verify|show`: the platform's append-only, hash-chained event log.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Verify and show the append-only, hash-chained event log.",
        subcommands: [EventsVerify.self, EventsShow.self]
    )
}

struct EventsVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-hash the whole event chain; name the first altered or missing event and exit 1.",
        discussion: """
        Prints the number of events and the head hash; keep the head elsewhere to also detect events \
        cut off the end.
        Example:
          klein events verify --data ./klein-data
        """
    )
    @OptionGroup var platform: PlatformFlags

    func run() async throws {
        let (count, head) = try await platform.book(create: false).log.verify()
        print("\(platform.logPath): \(count) event\(count == 1 ? "" : "s"), chain intact, head \(head?.description ?? "(empty)")")
    }
}

struct EventsShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the events, oldest first.",
        discussion: "Examples:\n  klein events show\n  klein events show --json"
    )
    @OptionGroup var format: JSONOption
    @OptionGroup var platform: PlatformFlags

    func run() async throws {
        let events = try await platform.book(create: false).log.events()
        if format.json {
            for event in events { Output.printJSON(event.json) }
            return
        }
        let rows = [["SEQ", "TIME", "ACTOR", "EVENT", "APP", "RELEASE", "HASH"]] + events.map { event in
            let payload = event.payload.objectValue ?? [:]
            return [String(event.sequence), event.time, event.actor, event.kind.rawValue, payload["app"]?.stringValue ?? "",
                    String(payload["release"]?.stringValue?.dropFirst(7).prefix(12) ?? ""), String(event.hash.encoded.prefix(12))]
        }
        print(Output.table(rows))
    }
}
