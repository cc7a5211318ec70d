import ArgumentParser

enum KleinVersion {
    static let current = "0.1.0"
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print Klein's version.",
        discussion: "Example:\n  klein version"
    )

    func run() {
        print("klein \(KleinVersion.current)")
    }
}
