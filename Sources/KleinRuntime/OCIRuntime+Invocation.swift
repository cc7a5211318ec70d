import KleinSystem
#if canImport(Glibc)
import Glibc
#endif

extension OCIRuntime {
    /// What one run of the runtime's command line did.
    struct Invocation {
        let termination: ProcessTermination
        let output: [UInt8]
        let error: [UInt8]

        /// The runtime's own message, from its standard error, trimmed and shortened.
        var message: String {
            String(decoding: error.suffix(2000), as: UTF8.self).trimmedLines.last ?? termination.description
        }
    }

    /// `<runtime> ARGUMENTS` with its output and error collected (read on threads of their own, so a
    /// long `list` never fills a pipe), awaited without blocking a cooperative thread.
    func invoke(_ arguments: [String]) async throws(RuntimeError) -> Invocation {
        var launch = ProcessLaunch(executable, arguments)
        launch.standardOutput = .pipe
        launch.standardError = .pipe
        launch.defaultSignals = Self.defaultSignals
        let running: RunningProcess
        do { running = try launch.start() } catch { throw cannotStart(error) }
        let (outputFile, errorFile) = (running.standardOutput.map(UncheckedFile.init), running.standardError.map(UncheckedFile.init))
        async let output = Self.readAll(outputFile)
        async let error = Self.readAll(errorFile)
        let termination = await running.process.exit()
        return Invocation(termination: termination, output: await output, error: await error)
    }

    /// The error for a runtime that could not be started at all.
    func cannotStart(_ error: SystemError) -> RuntimeError {
        .runtime("cannot start \(executable): \(String(cString: strerror(error.errno)))")
    }

    /// Every byte until the end of `file`, read on a background thread.
    static func readAll(_ file: POSIXFile?) async -> [UInt8] {
        await readAll(file.map(UncheckedFile.init))
    }

    /// Every byte until the end of the file `box` holds, read on a background thread.
    static func readAll(_ box: UncheckedFile?) async -> [UInt8] {
        guard let box else { return [] }
        return await withCheckedContinuation { continuation in
            detachBackgroundThread {
                var bytes: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 64 << 10)
                while true {
                    let count = (try? buffer.withUnsafeMutableBytes { try box.file.read(into: $0) }) ?? 0
                    if count <= 0 { break }
                    if bytes.count < 16 << 20 { bytes += buffer.prefix(count) }
                }
                continuation.resume(returning: bytes)
            }
        }
    }
}

/// A file handed to one background thread, which alone uses it from then on.
struct UncheckedFile: @unchecked Sendable {
    let file: POSIXFile
    init(_ file: POSIXFile) { self.file = file }
}

extension String {
    /// The text's lines, each without surrounding blanks, empty ones left out.
    var trimmedLines: [String] {
        split(whereSeparator: \.isNewline).map { line in
            String(line.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        }.filter { !$0.isEmpty }
    }
}
