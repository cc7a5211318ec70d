import Foundation
import Testing

/// The event log as a user's processes see it: rows altered or deleted with SQLite itself are named by
/// `klein events verify`, two processes appending at once keep one chain, and `kill -9` in the middle of
/// appends never leaves a broken one.
@Suite struct EventLogInteropTests {
    /// A log in `scratch/data` holding one release of app `web`; returns the release's digest.
    static func logWithRelease(_ scratch: Scratch) throws -> String {
        try scratch.write("web.toml", ReleaseInteropTests.manifest)
        let image = try ReleaseInteropTests.image(scratch, ref: "app", cmd: "/bin/app", exposed: ["8080/tcp"])
        return try Tools.klein("release", "create", "--image", image, "--manifest", "\(scratch.path)/web.toml", "--data", "\(scratch.path)/data")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs SQL on the log with Python's sqlite3 (another SQLite client than Klein's).
    static func sql(_ scratch: Scratch, _ statements: String) throws {
        try Tools.peer("python3", "-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.executescript(sys.argv[2])
            db.commit()
            """, "\(scratch.path)/data/events.sqlite", statements)
    }

    @Test func alteredAndMissingEventsAreNamed() throws {
        let scratch = try Scratch()
        let release = try Self.logWithRelease(scratch)
        for _ in 0..<3 { try Tools.klein("release", "deploy", release, "--data", "\(scratch.path)/data") }
        #expect(try Tools.klein("events", "verify", "--data", "\(scratch.path)/data").contains("4 events, chain intact"))

        // Klein's own triggers refuse the change; someone who drops them is caught by verify.
        let refused = try Tools.run("python3", ["-c", "import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute(\"UPDATE events SET actor='x'\")",
                                                "\(scratch.path)/data/events.sqlite"])
        #expect(!refused.succeeded && refused.stderr.contains("append-only"), "\(refused.stderr)")
        try Self.sql(scratch, """
            DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;
            UPDATE events SET actor = 'mallory' WHERE sequence = 3;
            """)
        var result = try Tools.run("klein", ["events", "verify", "--data", "\(scratch.path)/data"])
        #expect(!result.succeeded && result.stderr.contains("event 3: its content was altered"), "\(result.stderr)")

        // Re-hashing the altered row (the hash is sha256 of the canonical JSON of its other fields, which
        // Python recomputes on its own here) moves the break to the link from the next event.
        try Tools.peer("python3", "-c", """
            import hashlib, json, sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            sequence, time, actor, kind, payload, previous = db.execute(
                "SELECT sequence, time, actor, kind, payload, previous FROM events WHERE sequence = 3").fetchone()
            document = {"sequence": sequence, "time": time, "actor": actor, "kind": kind, "payload": json.loads(payload), "previous": previous}
            canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            db.execute("UPDATE events SET hash = ? WHERE sequence = 3", ("sha256:" + hashlib.sha256(canonical.encode()).hexdigest(),))
            db.commit()
            """, "\(scratch.path)/data/events.sqlite")
        result = try Tools.run("klein", ["events", "verify", "--data", "\(scratch.path)/data"])
        #expect(!result.succeeded && result.stderr.contains("event 4: it does not follow event 3"), "\(result.stderr)")

        try Self.sql(scratch, "DELETE FROM events WHERE sequence = 2;")
        result = try Tools.run("klein", ["events", "verify", "--data", "\(scratch.path)/data"])
        #expect(!result.succeeded && result.stderr.contains("event 2 is missing"), "\(result.stderr)")
    }

    @Test func twoProcessesAppendingAtOnceKeepOneChain() throws {
        let scratch = try Scratch()
        let release = try Self.logWithRelease(scratch)
        let rounds = 15
        let script = "for i in $(seq \(rounds)); do \"$0\" release deploy \(release) --data \(scratch.path)/data --actor \"$1\" >/dev/null || exit 1; done"
        let writers = try ["a", "b"].map { actor in try Tools.start("sh", ["-c", script, Tools.klein, actor]) }
        for writer in writers { writer.process.waitUntilExit() }
        for writer in writers {
            let run = writer.finish()
            #expect(run.succeeded, "\(run.stderr)")
        }
        #expect(try Tools.klein("events", "verify", "--data", "\(scratch.path)/data").contains("\(1 + 2 * rounds) events, chain intact"))
        let actors = try Tools.klein("events", "show", "--json", "--data", "\(scratch.path)/data").split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["actor"] as? String
        }
        #expect(actors.filter { $0 == "a" }.count == rounds && actors.filter { $0 == "b" }.count == rounds)
    }

    /// `kill -9` while an append is inside its transaction (held there by its pause point, not a
    /// sleep): the chain verifies, every acknowledged event is there, the interrupted one is not, and
    /// the log takes the next append.
    @Test func killedInsideAnAppendsTransactionLosesNothingAcknowledged() async throws {
        let scratch = try Scratch()
        let release = try Self.logWithRelease(scratch)
        let data = "\(scratch.path)/data"
        for _ in 0..<2 { try Tools.klein("release", "deploy", release, "--data", data) }
        let before = try Tools.klein("events", "show", "--json", "--data", data)
        let pause = "\(scratch.path)/append-paused"
        let writer = try Tools.start("klein", ["release", "deploy", release, "--data", data, "--actor", "interrupted"],
                                     environment: ["KLEIN_PAUSE_AT": "events.append=\(pause)"])
        let paused = try await polled(for: 60, every: .milliseconds(10), { FileManager.default.fileExists(atPath: pause) }, until: { $0 })
        try #require(paused, "the append reached its pause point")
        kill(writer.process.processIdentifier, SIGKILL)
        writer.process.waitUntilExit()
        _ = writer.finish()
        let verified = try Tools.run("klein", ["events", "verify", "--data", data])
        #expect(verified.succeeded && verified.stdout.contains("3 events, chain intact"), "\(verified.stdout) \(verified.stderr)")
        #expect(try Tools.klein("events", "show", "--json", "--data", data) == before, "acknowledged events are all there, unchanged")
        try Tools.klein("release", "deploy", release, "--data", data)
        #expect(try Tools.klein("events", "verify", "--data", data).contains("4 events, chain intact"))
    }

    @Test func killedWritersLeaveAValidChain() throws {
        let scratch = try Scratch()
        let release = try Self.logWithRelease(scratch)
        // SIGKILL at delays spread over a deploy's run, so some die before, some during and some after their append.
        for delay in stride(from: 0.02, through: 0.4, by: 0.02) {
            let writer = try Tools.start("klein", ["release", "deploy", release, "--data", "\(scratch.path)/data"])
            Thread.sleep(forTimeInterval: delay)
            kill(writer.process.processIdentifier, SIGKILL)
            writer.process.waitUntilExit()
            _ = writer.finish()
            let verified = try Tools.run("klein", ["events", "verify", "--data", "\(scratch.path)/data"])
            #expect(verified.succeeded, "after a kill at \(delay) s: \(verified.stderr)")
        }
        // The log still takes appends.
        try Tools.klein("release", "deploy", release, "--data", "\(scratch.path)/data")
        #expect(try Tools.run("klein", ["events", "verify", "--data", "\(scratch.path)/data"]).succeeded)
    }
}
