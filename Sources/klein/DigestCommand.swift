import ArgumentParser
import KleinOCI
import KleinStore

struct DigestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Print the OCI digest of files, streaming them in constant memory.",
        discussion: """
        With one file, prints the digest alone; with several, `DIGEST  FILE` lines. `-` reads standard input.
        Examples:
          klein digest layer.tar.gz
          klein digest --algorithm sha512 a.bin b.bin
        """
    )

    @Argument(help: "Files to hash.") var files: [String]
    @Option(help: "sha256 or sha512.") var algorithm: Digest.Algorithm = .sha256

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one file") }
    }

    func run() throws {
        for file in files {
            let digest = try FileHashing.digest(ofFileAt: file, algorithm: algorithm).digest
            print(files.count == 1 ? "\(digest)" : "\(digest)  \(file)")
        }
    }
}

extension Digest.Algorithm: ExpressibleByArgument {}
