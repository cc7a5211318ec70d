import Foundation
import Testing

/// A flood of wrong passwords (32 clients at bcrypt cost 12) against `klein serve --auth basic`: the
/// health probe and a user whose password was verified before stay fast, and the flood is refused
/// with 429 once it has used up its tries (issue 18: every request stalled for 8–12 s).
@Suite struct RegistryAuthFloodTests {
    @Test func aFloodOfWrongPasswordsLeavesProbesAndKnownUsersFast() throws {
        let scratch = try Scratch()
        let htpasswd = "\(scratch.path)/flood.htpasswd"
        try Tools.peer("htpasswd", "-c", "-b", "-B", "-C", "12", htpasswd, "alice", "right")
        let server = try KleinServe(scratch: scratch, arguments: ["--auth", "basic", "--htpasswd", htpasswd])
        defer { server.stop() }
        let report = try Tools.peer("python3", "-c", """
            import base64, http.client, json, sys, threading, time
            host, port = sys.argv[1].rsplit(":", 1)
            def basic(password):
                return {"Authorization": "Basic " + base64.b64encode(("alice:" + password).encode()).decode()}
            def get(connection, path, headers):
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                return response.status
            warm = http.client.HTTPConnection(host, int(port), timeout=60)
            assert get(warm, "/v2/", basic("right")) == 200
            deadline = time.monotonic() + 8
            statuses, slowest = {}, {"healthz": 0.0, "alice": 0.0}
            lock = threading.Lock()
            def flood():
                connection = http.client.HTTPConnection(host, int(port), timeout=60)
                while time.monotonic() < deadline:
                    status = get(connection, "/v2/", basic("wrong"))
                    with lock:
                        statuses[status] = statuses.get(status, 0) + 1
            def probe():
                connection = http.client.HTTPConnection(host, int(port), timeout=60)
                while time.monotonic() < deadline:
                    for name, path, headers in (("healthz", "/healthz", {}), ("alice", "/v2/", basic("right"))):
                        started = time.monotonic()
                        assert get(connection, path, headers) == 200, name
                        slowest[name] = max(slowest[name], time.monotonic() - started)
                    time.sleep(0.1)
            threads = [threading.Thread(target=flood) for _ in range(32)] + [threading.Thread(target=probe)]
            for thread in threads: thread.start()
            for thread in threads: thread.join()
            print(json.dumps({"statuses": {str(k): v for k, v in statuses.items()}, "slowest": slowest}))
            """, server.host)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Any], "\(report)")
        let statuses = object["statuses"] as? [String: Int] ?? [:]
        let slowest = object["slowest"] as? [String: Double] ?? [:]
        // Generous bounds for a loaded 2-core machine: the stall this guards against lasted 8–12 s.
        #expect((slowest["healthz"] ?? 99) < 2, "slowest /healthz: \(slowest)")
        #expect((slowest["alice"] ?? 99) < 2, "slowest request of a known user: \(slowest)")
        #expect((statuses["401"] ?? 0) > 0 && (statuses["429"] ?? 0) > 0, "the flood is checked, then refused: \(statuses)")
        #expect(Set(statuses.keys).isSubset(of: ["401", "429"]), "\(statuses)")
    }
}
