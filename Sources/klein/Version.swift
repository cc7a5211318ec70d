import ArgumentParser
import KleinOCI

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print Klein's version.",
        discussion: "Example:\n  klein version"
    )

    func run() {
        print("klein \(KleinVersion.current)")
    }
}
