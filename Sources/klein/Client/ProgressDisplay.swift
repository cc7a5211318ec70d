import Foundation
import KleinClient
import KleinOCI
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Shows a transfer as it goes. On a terminal: one line per active blob and an overall line (bytes, rate,
/// ETA), redrawn in place on stderr. Elsewhere: one plain line per finished blob. `--quiet` and `--json`
/// show nothing while transferring.
final class ProgressDisplay: Sendable {
    enum Mode { case terminal, lines, silent }

    private struct Blob {
        let descriptor: Descriptor
        var done: Int64 = 0
    }

    private struct State {
        var totalBlobs = 0
        var totalBytes: Int64 = 0
        var doneBytes: Int64 = 0
        var finishedBlobs = 0
        var active: [Digest: Blob] = [:]
        var order: [Digest] = []
        var drawnLines = 0
        var lastDraw: ContinuousClock.Instant?
        var outcomes: [BlobOutcome: Int] = [:]
        var copiedBytes: Int64 = 0
    }

    private let mode: Mode
    private let started = ContinuousClock.now
    private let state = Mutex(State())

    init(quiet: Bool, json: Bool) {
        if quiet || json { mode = .silent } else { mode = isatty(2) == 1 ? .terminal : .lines }
    }

    var observer: TransferObserver {
        { [self] event in handle(event) }
    }

    /// Blob outcomes so far, for summaries.
    var outcomes: [BlobOutcome: Int] { state.withLock { $0.outcomes } }
    /// Bytes of the blobs that were copied (not those that existed or were mounted).
    var bytesCopied: Int64 { state.withLock { $0.copiedBytes } }

    private func handle(_ event: TransferEvent) {
        state.withLock { state in
            switch event {
            case let .planned(blobs, bytes):
                state.totalBlobs = blobs
                state.totalBytes = bytes
            case let .blobStarted(descriptor):
                state.active[descriptor.digest] = Blob(descriptor: descriptor)
                state.order.append(descriptor.digest)
            case let .blobProgress(digest, bytes):
                state.active[digest]?.done += bytes
                state.doneBytes += bytes
            case let .blobFinished(descriptor, outcome):
                let moved = state.active[descriptor.digest]?.done ?? 0
                if outcome != .copied { state.doneBytes += descriptor.size - moved }
                state.active[descriptor.digest] = nil
                state.order.removeAll { $0 == descriptor.digest }
                state.finishedBlobs += 1
                state.outcomes[outcome, default: 0] += 1
                if outcome == .copied { state.copiedBytes += descriptor.size }
                if mode == .lines { emit("\(short(descriptor.digest))  \(outcome.rawValue)  \(Output.bytes(descriptor.size))") }
            case let .manifestWritten(descriptor, reference):
                if mode == .lines { emit("\(short(descriptor.digest))  manifest written\(reference.map { " as \($0)" } ?? "")") }
            }
            if mode == .terminal { draw(&state, force: isFinal(event)) }
        }
    }

    private func isFinal(_ event: TransferEvent) -> Bool {
        if case .blobProgress = event { return false }
        return true
    }

    /// Clears the drawn lines so later output starts on a clean line.
    func finish() {
        guard mode == .terminal else { return }
        state.withLock { state in
            draw(&state, force: true)
            state.drawnLines = 0
        }
    }

    private func draw(_ state: inout State, force: Bool) {
        let now = ContinuousClock.now
        if !force, let last = state.lastDraw, now - last < .milliseconds(100) { return }
        state.lastDraw = now
        var lines: [String] = []
        for digest in state.order.prefix(8) {
            guard let blob = state.active[digest] else { continue }
            lines.append("  \(short(digest))  \(bar(blob.done, blob.descriptor.size))  \(Output.bytes(blob.done))/\(Output.bytes(blob.descriptor.size))")
        }
        let seconds = max(0.001, (now - started) / .seconds(1))
        let rate = Double(state.doneBytes) / seconds
        let remaining = rate > 0 ? Double(state.totalBytes - state.doneBytes) / rate : 0
        lines.append("\(state.finishedBlobs)/\(state.totalBlobs) blobs  \(Output.bytes(state.doneBytes))/\(Output.bytes(state.totalBytes))  \(Output.bytes(Int64(rate)))/s  ETA \(Int(remaining.rounded()))s")
        var text = state.drawnLines > 0 ? "\u{1B}[\(state.drawnLines)F" : ""
        for line in lines { text += "\u{1B}[2K" + line + "\n" }
        text += "\u{1B}[J"
        state.drawnLines = lines.count
        FileHandle.standardError.write(Data(text.utf8))
    }

    private func emit(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    private func short(_ digest: Digest) -> String { "\(digest.algorithm.rawValue):\(digest.encoded.prefix(12))" }

    private func bar(_ done: Int64, _ total: Int64) -> String {
        let width = 20
        let filled = total > 0 ? Int(Double(width) * Double(min(done, total)) / Double(total)) : width
        return "[" + String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled) + "]"
    }
}
