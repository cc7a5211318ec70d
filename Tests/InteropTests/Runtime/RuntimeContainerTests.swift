import Foundation
import Testing

/// Detached containers and the container life cycle under real runc: `klein run -d` and its
/// supervisor, `klein container list/logs/stop/rm`, graceful stops of a PID 1 that ignores SIGTERM,
/// exit statuses that outlive the processes that watched them, re-adoption through `runc state`,
/// terminals, runtime failures told apart from exit codes, and what a `klein run` killed with
/// SIGKILL leaves. Every test removes its containers and supervisors, even when it fails.
@Suite(.serialized, .timeLimit(.minutes(3))) struct RuntimeContainerTests {
    /// busybox httpd as PID 1: it installs no SIGTERM handler, so the kernel ignores SIGTERM for it.
    static func httpd(_ fixture: RuntimeFixture) throws -> String {
        try fixture.busybox("httpd", config: RuntimeFixture.cmd("sh", "-c", "echo hello-log; echo to-stderr >&2; exec /bin/busybox httpd -f -p 8080"))
    }

    /// `klein container list --json`, decoded, by id.
    static func listing(_ fixture: RuntimeFixture) throws -> [String: [String: Any]] {
        let list = try fixture.klein("container", "list", "--json")
        let array = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]] ?? []
        return Dictionary(array.map { ($0["id"] as? String ?? "", $0) }, uniquingKeysWith: { first, _ in first })
    }

    static func status(_ fixture: RuntimeFixture, _ id: String) -> String {
        ((try? listing(fixture))?[id]?["status"] as? String) ?? "absent"
    }

    static func runcStatus(_ id: String) -> String {
        guard let state = try? Tools.run("runc", ["state", id]), state.succeeded,
              let object = try? JSONSerialization.jsonObject(with: Data(state.stdout.utf8)) as? [String: Any] else { return "absent" }
        return object["status"] as? String ?? "?"
    }

    @Test func aDetachedHttpdIgnoringSIGTERMLogsAndStopsWithinItsStopTimeout() async throws {
        let fixture = try RuntimeFixture()
        defer { fixture.cleanUp() }
        let image = try Self.httpd(fixture)
        let started = try fixture.klein("run", "-d", image, "--stop-timeout", "2")
        try #require(started.succeeded, "\(started.status) \(started.stderr)")
        let id = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.hasPrefix("klein-") && fixture.containerIDs() == [id], "\(id) \(fixture.containerIDs())")
        #expect(Self.runcStatus(id) == "running")
        #expect(Self.status(fixture, id) == "running")
        let table = try fixture.klein("container", "ps")
        #expect(table.succeeded && table.stdout.contains(id) && table.stdout.contains("running"), "\(table.stdout)")
        let logs = try await polled(for: 20, { try fixture.klein("container", "logs", String(id.dropFirst(6).prefix(6))).stdout }, until: {
            $0.contains("hello-log") && $0.contains("to-stderr")
        })
        #expect(logs == "hello-log\nto-stderr\n" || logs == "to-stderr\nhello-log\n", "\(logs)")

        let before = Date()
        let stop = try fixture.klein("container", "stop", id)
        let elapsed = Date().timeIntervalSince(before)
        #expect(stop.succeeded && stop.stdout == "\(id) killed by signal 9\n", "\(stop.stdout) \(stop.stderr)")
        #expect(elapsed >= 1.9 && elapsed < 10, "SIGTERM is ignored, SIGKILL follows after --stop-timeout 2: \(elapsed) s")
        let ended = try Self.listing(fixture)[id]
        #expect(ended?["status"] as? String == "killed by signal 9" && (ended?["exitCode"] as? NSNumber)?.intValue == 137, "\(String(describing: ended))")
        #expect(Self.runcStatus(id) == "absent", "the supervisor deletes runc's container once it ended")
        #expect(RuntimeFixture.mountpoints(under: fixture.data).isEmpty, "the root file system is unmounted once it ended")
        // --timeout overrides the recorded stop timeout; a container that is not running is left as it is.
        let again = try fixture.klein("container", "stop", "--timeout", "0", id)
        #expect(again.succeeded && again.stdout == "\(id) killed by signal 9\n", "\(again.stdout) \(again.stderr)")
        let removed = try fixture.klein("container", "rm", id)
        #expect(removed.succeeded && removed.stdout == "\(id)\n", "\(removed.stderr)")
        fixture.expectNothingLeft()
    }

    @Test func stopTimeoutOverridesAndRmRefusesARunningContainer() async throws {
        let fixture = try RuntimeFixture()
        defer { fixture.cleanUp() }
        let image = try Self.httpd(fixture)
        let started = try fixture.klein("run", "--detach", image)
        try #require(started.succeeded, "\(started.stderr)")
        let id = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let refused = try fixture.klein("container", "rm", id)
        #expect(!refused.succeeded && refused.stderr.contains("is running"), "\(refused.stderr)")
        #expect(Self.runcStatus(id) == "running", "a refused rm changes nothing")
        let before = Date()
        let stop = try fixture.klein("container", "stop", "--timeout", "1", id)
        #expect(stop.succeeded && Date().timeIntervalSince(before) < 8, "--timeout 1 instead of the default 10 s: \(stop.stderr)")
        #expect(try fixture.klein("container", "rm", id).succeeded)
        // rm --force kills a running one.
        let second = try fixture.klein("run", "-d", image).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Self.runcStatus(second) == "running")
        let forced = try fixture.klein("container", "rm", "--force", second)
        #expect(forced.succeeded, "\(forced.stderr)")
        #expect(Self.runcStatus(second) == "absent")
        fixture.expectNothingLeft()
    }

    /// The image's StopSignal is what a stop sends first; SIGTERM to a foreground `klein run` stops its
    /// container the same way, with SIGKILL after `--stop-timeout` for a PID 1 that ignores it.
    @Test func stopsSendTheImagesStopSignalThenSIGKILL() async throws {
        let fixture = try RuntimeFixture()
        defer { fixture.cleanUp() }
        let trapping = try fixture.busybox("usr1", config: ["--config.stopsignal", "SIGUSR1"]
            + RuntimeFixture.cmd("sh", "-c", "trap 'echo got USR1; exit 7' USR1; trap 'echo got TERM; exit 8' TERM; while true; do sleep 0.1; done"))
        let started = try fixture.klein("run", "-d", trapping)
        try #require(started.succeeded, "\(started.stderr)")
        let id = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try await Task.sleep(for: .milliseconds(500))
        let stop = try fixture.klein("container", "stop", id)
        #expect(stop.succeeded && stop.stdout == "\(id) exited (7)\n", "\(stop.stdout) \(stop.stderr)")
        #expect(try fixture.klein("container", "logs", id).stdout == "got USR1\n")
        #expect(try fixture.klein("container", "rm", id).succeeded)

        let image = try Self.httpd(fixture)
        let running = try Tools.start("klein", ["run", image, "--stop-timeout", "1", "--data", fixture.data])
        let container = try await polled(for: 60, { fixture.containerIDs().first }, until: { $0.map { Self.runcStatus($0) == "running" } ?? false })
        #expect(container != nil, "the container never ran")
        let before = Date()
        kill(running.process.processIdentifier, SIGTERM)
        running.process.waitUntilExit()
        let elapsed = Date().timeIntervalSince(before)
        let result = running.finish()
        #expect(result.status == 137 && elapsed >= 0.9 && elapsed < 8, "httpd ignores SIGTERM; SIGKILL after 1 s: \(result.status) after \(elapsed) s, \(result.stderr)")
        fixture.expectNothingLeft()
    }

    /// The exit status is held by the container's supervisor and written to its directory: later klein
    /// processes read it. When the supervisor itself is killed, the container is re-adopted through
    /// `runc state`: still listed as running, still stoppable, and finished when it ends (its exit
    /// status then unknown: only a process's parent can read it).
    @Test func exitStatusesOutliveTheirWatchersAndAKilledSupervisorsContainerIsReadopted() async throws {
        let fixture = try RuntimeFixture()
        defer { fixture.cleanUp() }
        let image = try fixture.busybox("exits")
        let manifest = try fixture.write("exits.toml", """
            schema = 1
            app = "exits"
            [process]
            cmd = ["sh", "-c", "while test ! -e /data/go; do sleep 0.1; done; echo leaving; exit 3"]
            [[volumes]]
            name = "data"
            path = "/data"
            """)
        let node = try fixture.node()
        let go = "\(fixture.scratch.path)/volumes/exits/data/go"
        let first = try fixture.klein("run", "-d", image, "--manifest", manifest, "--node", node)
        try #require(first.succeeded, "\(first.stderr)")
        let id = first.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Self.status(fixture, id) == "running")
        #expect(FileManager.default.createFile(atPath: go, contents: Data()))
        // "stopping" while its supervisor records the exit.
        let status = try await polled(for: 20, { Self.status(fixture, id) }, until: { $0.hasPrefix("exited") })
        #expect(status == "exited (3)", "\(status)")
        #expect((try Self.listing(fixture)[id]?["exitCode"] as? NSNumber)?.intValue == 3)
        #expect(try fixture.klein("container", "logs", id).stdout == "leaving\n")
        #expect(try fixture.klein("container", "rm", id).succeeded)
        try FileManager.default.removeItem(atPath: go)

        // Its supervisor killed: runc still runs the container, and klein finds it through runc state.
        let second = try fixture.klein("run", "-d", image, "--manifest", manifest, "--node", node)
        try #require(second.succeeded, "\(second.stderr)")
        let orphan = second.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let shim = try #require(fixture.supervisorPID(of: orphan))
        #expect(kill(shim, SIGKILL) == 0)
        _ = try await polled(for: 10, { kill(shim, 0) == 0 && (try? String(contentsOfFile: "/proc/\(shim)/stat", encoding: .utf8))?.contains(") Z") != true }, until: { !$0 })
        #expect(Self.runcStatus(orphan) == "running", "killing the supervisor does not stop the container")
        #expect(Self.status(fixture, orphan) == "running", "re-adopted through runc state")
        let adopter = try #require(fixture.supervisorPID(of: orphan))
        #expect(adopter != shim, "a new supervisor follows the container")
        #expect(FileManager.default.createFile(atPath: go, contents: Data()))
        let unknown = try await polled(for: 20, { Self.status(fixture, orphan) }, until: { $0.hasPrefix("exited") })
        #expect(unknown.hasPrefix("exited (status unknown"), "\(unknown)")
        #expect(Self.runcStatus(orphan) == "absent" && RuntimeFixture.mountpoints(under: fixture.data).isEmpty, "the new supervisor finished it")
        #expect(try fixture.klein("container", "rm", orphan).succeeded)

        // Re-adopted and stopped: stop still reaches it.
        try FileManager.default.removeItem(atPath: go)
        let third = try fixture.klein("run", "-d", image, "--manifest", manifest, "--node", node, "--stop-timeout", "1")
        let readopted = third.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let thirdShim = try #require(fixture.supervisorPID(of: readopted))
        #expect(kill(thirdShim, SIGKILL) == 0)
        let stop = try fixture.klein("container", "stop", readopted)
        #expect(stop.succeeded && stop.stdout.contains("exited (status unknown"), "\(stop.stdout) \(stop.stderr)")
        #expect(Self.runcStatus(readopted) == "absent")
        #expect(try fixture.klein("container", "rm", readopted).succeeded)
        fixture.expectNothingLeft()
    }

    @Test func dashTGivesTheProcessATerminal() throws {
        let fixture = try RuntimeFixture()
        defer { fixture.cleanUp() }
        let image = try fixture.busybox("tty", config: RuntimeFixture.cmd("sh", "-c", "if test -t 0 && test -t 1; then echo tty-yes; else echo tty-no; fi"))
        let plain = try fixture.klein("run", image)
        #expect(plain.succeeded && plain.stdout == "tty-no\n", "\(plain.stdout) \(plain.stderr)")
        let tty = try fixture.klein("run", "-t", image)
        #expect(tty.succeeded && tty.stdout == "tty-yes\r\n", "a terminal turns \\n into \\r\\n: \(tty.stdout.debugDescription) \(tty.stderr)")
        // -i -t: what is typed reaches the shell through the terminal; its exit code is klein's.
        let manifest = try fixture.write("shell.toml", "schema = 1\napp = \"shell\"\n[process]\ncmd = [\"sh\"]\n")
        let shell = try Tools.run("timeout", ["60", Tools.klein, "run", "-i", "-t", image, "--manifest", manifest, "--data", fixture.data],
                                  stdin: "echo typed-$((40 + 2))\nexit 5\n")
        #expect(shell.status == 5 && shell.stdout.contains("typed-42"), "\(shell.status) \(shell.stdout.debugDescription) \(shell.stderr)")
        // Under a real terminal (script's pty), in raw mode, the same.
        let script = try Tools.run("script", ["-qefc", "\(Tools.klein) run -i -t \(image) --data \(fixture.data)", "/dev/null"])
        #expect(script.succeeded && script.stdout.contains("tty-yes"), "\(script.status) \(script.stdout.debugDescription) \(script.stderr)")
        fixture.expectNothingLeft()
    }

    /// `-t` gives the container's terminal the size of klein's, and resizes it when klein's is resized
    /// (SIGWINCH), as `docker run -t` does. A pty made here stands in for the user's terminal.
    @Test func dashTFollowsTheTerminalSize() throws {
        let fixture = try RuntimeFixture()
        defer { fixture.cleanUp() }
        let image = try fixture.busybox("resize", config: RuntimeFixture.cmd("sh", "-c", """
            s=$(busybox stty size); echo "first $s"
            while test "$(busybox stty size)" = "$s"; do sleep 0.1; done; echo "then $(busybox stty size)"
            """))
        let driver = """
            import fcntl, os, select, signal, struct, subprocess, sys, termios, time
            master, slave = os.openpty()
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
            klein = subprocess.Popen(sys.argv[1:], stdin=slave, stdout=slave, stderr=subprocess.PIPE)
            os.close(slave)
            output, deadline, resized = b"", time.monotonic() + 60, False
            while time.monotonic() < deadline and b"then" not in output:
                if select.select([master], [], [], 0.2)[0]:
                    try:
                        output += os.read(master, 4096)
                    except OSError:
                        break
                if b"first 24 80" in output and not resized:
                    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
                    klein.send_signal(signal.SIGWINCH)
                    resized = True
            if b"then" not in output:
                klein.send_signal(signal.SIGTERM)  # the size never followed: stop the run, leave nothing behind
            status = klein.wait(timeout=30)
            print(output.decode(errors="replace"))
            sys.stderr.write(klein.stderr.read().decode(errors="replace"))
            sys.exit(status)
            """
        let run = try Tools.run("python3", ["-c", driver, Tools.klein, "run", "-t", image, "--data", fixture.data])
        #expect(run.succeeded && run.stdout.contains("first 24 80") && run.stdout.contains("then 40 100"),
                "\(run.status) \(run.stdout.debugDescription) \(run.stderr)")
        fixture.expectNothingLeft()
    }

    @Test func aRuntimeFailureIsReportedAsSuchNeverAsAnExitCode() throws {
        let fixture = try RuntimeFixture()
        defer { fixture.cleanUp() }
        let image = try fixture.busybox("fails", config: RuntimeFixture.cmd("sh", "-c", "exit 1"))
        let broken = try fixture.write("broken-runtime", "#!/bin/sh\necho 'broken runtime refuses' >&2\nexit 1\n")
        try Tools.peer("chmod", "0755", broken)
        let exited = try fixture.klein("run", image)
        #expect(exited.status == 1, "the container's own code: \(exited.stderr)")
        for arguments in [["run", image, "--runtime", broken], ["run", "-d", image, "--runtime", broken]] {
            let failed = try fixture.klein(arguments)
            #expect(failed.status == 125, "\(arguments): \(failed.status) \(failed.stderr)")
            #expect(failed.stderr.contains("runtime:") && failed.stderr.contains("create") && failed.stdout.isEmpty, "\(failed.stderr)")
            #expect(fixture.containerIDs().isEmpty, "a failed create leaves no container")
        }
        // Bad input: a clear error, a non-zero status, no side effect.
        let unknown = try fixture.klein("container", "stop", "no-such-container")
        #expect(!unknown.succeeded && unknown.stderr.contains("no container no-such-container"), "\(unknown.stderr)")
        let conflicting = try fixture.klein("run", "-d", "-t", image)
        #expect(!conflicting.succeeded && conflicting.stderr.contains("--detach"), "\(conflicting.stderr)")
        let foreground = try fixture.klein("container", "logs", "nothing")
        #expect(!foreground.succeeded && foreground.stderr.contains("no container"), "\(foreground.stderr)")
        fixture.expectNothingLeft()
    }

    /// `klein run` killed with SIGKILL cannot clean up: its container keeps running, orphaned. The next
    /// `klein run`, or `klein rootfs prune`, removes it, its mount and its directory.
    @Test func whatAKilledKleinRunLeavesTheNextRunOrPruneRemoves() async throws {
        let fixture = try RuntimeFixture()
        defer { fixture.cleanUp() }
        let image = try fixture.busybox("killed", config: RuntimeFixture.cmd("sh", "-c", "touch /tmp/started; while true; do sleep 0.1; done"))
        let other = try fixture.busybox("next", config: RuntimeFixture.cmd("true")) { root in
            #expect(FileManager.default.createFile(atPath: "\(root)/etc/next", contents: Data("1".utf8)))
        }
        for cleaner in [["run", other], ["rootfs", "prune"]] {
            let running = try Tools.start("klein", ["run", image, "--data", fixture.data])
            let id = try await polled(for: 60, { fixture.containerIDs().first }, until: { id in
                id.map { Self.runcStatus($0) == "running" } ?? false
            })
            let container = try #require(id, "the container never ran")
            kill(running.process.processIdentifier, SIGKILL)
            running.process.waitUntilExit()
            _ = running.finish()
            #expect(Self.runcStatus(container) == "running", "SIGKILL left the container running")
            #expect(!RuntimeFixture.mountpoints(under: fixture.data).isEmpty)
            let cleaned = try fixture.klein(cleaner)
            #expect(cleaned.succeeded, "\(cleaner): \(cleaned.stderr)")
            #expect(Self.runcStatus(container) == "absent", "\(cleaner) removed the orphaned container")
            #expect(fixture.containerIDs().isEmpty && RuntimeFixture.mountpoints(under: fixture.data).isEmpty, "\(cleaner): \(fixture.containerIDs())")
        }
        #expect(fixture.cachedRootfs().isEmpty, "prune removed the unpacked images no container uses: \(fixture.cachedRootfs())")
        fixture.expectNothingLeft()
    }
}
