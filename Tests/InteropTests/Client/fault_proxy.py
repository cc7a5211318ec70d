#!/usr/bin/env python3
"""A fault-injecting HTTP/1.1 reverse proxy for the registry client's integration tests.

    python3 fault_proxy.py --upstream http://127.0.0.1:PORT [--ignore-stdin]

Binds two listeners on 127.0.0.1 (ephemeral ports) and prints, on standard output, exactly:

    fault proxy listening on http://127.0.0.1:N
    redirect target on http://127.0.0.1:M

Both forward every request to the upstream, streaming bodies in 64 KiB pieces (never a whole body in
memory), and rewrite `Location` headers that point at the upstream origin so that they point at the
listener the request came in on. The proxy listener also injects faults by rule; the redirect target
never does (it only records requests, notably whether they carried `Authorization`).

Control API on the proxy listener (JSON):
    POST /__proxy/rules   body: a JSON list of rules; replaces the rules (400 with {"error"} if invalid)
    GET  /__proxy/rules   the rules with the number of uses each has left
    GET  /__proxy/log     the requests seen by both listeners, oldest first
    POST /__proxy/reset   clears rules and log

A rule: {"kind": K, "method": "PUT" (optional, any method if absent), "path_regex": "..." (re.search on the
path without the query), "times": 1 (optional, default 1; the rule applies to that many matching requests,
then it is spent)} plus, by kind:
    status               "status": 503, "retry_after": "1" (optional), "body": "..." (optional; default a
                         distribution-spec error envelope). Answered without contacting the upstream.
    drop_request_after   "bytes": N. Relays N bytes of the request body to the upstream then closes both
                         connections (the client's with a reset). A body of N bytes or fewer is relayed in
                         full and the upstream's response awaited (the upstream has acted) before both
                         connections are dropped; nothing reaches the client.
    drop_response_after  "bytes": N. Relays the response headers and N bytes of the body, then closes.
    corrupt_response     "offset": N. Relays the response with byte N of the body inverted (same length).
    redirect             Answers 307 with Location on the redirect target, same path and query.
The first rule in list order that matches and is not spent applies.

A log entry: {"listener": "proxy" | "redirect_target", "method", "path", "query", "authorization": bool,
"status": int | null (the status sent to the client; null if none was), "fault": rule kind | null,
"request_bytes": request body bytes read from the client (for drop_request_after, possibly more than
were relayed), "response_bytes": response body bytes sent, "note": what the fault did, str | null,
"error": what went wrong (client or upstream failure), str | null}. An entry is complete before the client can see the end of its response.

Stops on SIGTERM and when standard input reaches end of file (unless --ignore-stdin). Log lines go to
standard error only. Python 3.11 standard library only.
"""

import argparse
import http.client
import json
import os
import re
import signal
import socket
import struct
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PIECE = 64 * 1024
UPSTREAM_TIMEOUT = 600
CLIENT_TIMEOUT = 600
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
    "te", "trailer", "trailers", "transfer-encoding", "upgrade", "expect",
}
KINDS = {"status", "drop_request_after", "drop_response_after", "corrupt_response", "redirect"}
KIND_FIELDS = {
    "status": {"status", "retry_after", "body"},
    "drop_request_after": {"bytes"},
    "drop_response_after": {"bytes"},
    "corrupt_response": {"offset"},
    "redirect": set(),
}
COMMON_FIELDS = {"kind", "method", "path_regex", "times"}
ERROR_CODES = {401: "UNAUTHORIZED", 403: "DENIED", 404: "NAME_UNKNOWN", 429: "TOOMANYREQUESTS"}


def say(message):
    try:
        sys.stderr.write(f"fault_proxy: {message}\n")
        sys.stderr.flush()
    except Exception:
        pass


class BadRequestBody(Exception):
    pass


class Dropped(Exception):
    """The handler dropped the connection on purpose; nothing more to do for it."""


class State:
    """Rules and log, shared by both listeners."""

    def __init__(self, upstream):
        self.lock = threading.Lock()
        self.rules = []
        self.log = []
        self.upstream = upstream
        self.proxy_origin = None
        self.redirect_origin = None

    @staticmethod
    def validate(raw):
        if not isinstance(raw, list):
            raise ValueError("the rules must be a JSON list")
        rules = []
        for index, item in enumerate(raw):
            where = f"rule {index}"
            if not isinstance(item, dict):
                raise ValueError(f"{where} is not an object")
            kind = item.get("kind")
            if kind not in KINDS:
                raise ValueError(f"{where}: kind must be one of {sorted(KINDS)}")
            unknown = set(item) - COMMON_FIELDS - KIND_FIELDS[kind]
            if unknown:
                raise ValueError(f"{where}: unknown fields {sorted(unknown)} for kind {kind}")
            path_regex = item.get("path_regex")
            if not isinstance(path_regex, str):
                raise ValueError(f"{where}: path_regex (a string) is required")
            try:
                compiled = re.compile(path_regex)
            except re.error as error:
                raise ValueError(f"{where}: bad path_regex: {error}")
            method = item.get("method")
            if method is not None and not isinstance(method, str):
                raise ValueError(f"{where}: method must be a string")
            times = item.get("times", 1)
            if not isinstance(times, int) or isinstance(times, bool) or times < 1:
                raise ValueError(f"{where}: times must be an integer >= 1")

            def integer(name, low, high=None):
                value = item.get(name)
                if not isinstance(value, int) or isinstance(value, bool) or value < low or (high is not None and value > high):
                    raise ValueError(f"{where}: {name} must be an integer >= {low}" + (f" and <= {high}" if high else ""))
                return value

            rule = dict(item)
            rule["times"] = times
            if kind == "status":
                integer("status", 200, 599)
                if "retry_after" in item and item["retry_after"] is not None:
                    if not isinstance(item["retry_after"], (str, int)) or isinstance(item["retry_after"], bool):
                        raise ValueError(f"{where}: retry_after must be a string or an integer")
                    rule["retry_after"] = str(item["retry_after"])
                if "body" in item and item["body"] is not None and not isinstance(item["body"], str):
                    raise ValueError(f"{where}: body must be a string")
            elif kind in ("drop_request_after", "drop_response_after"):
                integer("bytes", 0)
            elif kind == "corrupt_response":
                integer("offset", 0)
            rules.append((rule, compiled))
        return rules

    def set_rules(self, raw):
        rules = self.validate(raw)
        with self.lock:
            self.rules = [{"rule": rule, "regex": compiled, "left": rule["times"]} for rule, compiled in rules]

    def rules_json(self):
        with self.lock:
            return [dict(entry["rule"], left=entry["left"]) for entry in self.rules]

    def take_rule(self, method, path):
        """The first unspent rule matching the request, its use counted; None if none."""
        with self.lock:
            for entry in self.rules:
                rule = entry["rule"]
                if entry["left"] <= 0:
                    continue
                if rule.get("method") is not None and rule["method"].upper() != method.upper():
                    continue
                if not entry["regex"].search(path):
                    continue
                entry["left"] -= 1
                return rule
        return None

    def reset(self):
        with self.lock:
            self.rules = []
            self.log = []

    def new_entry(self, listener, method, path, query, authorization):
        entry = {
            "listener": listener, "method": method, "path": path, "query": query,
            "authorization": authorization, "status": None, "fault": None,
            "request_bytes": 0, "response_bytes": 0, "note": None, "error": None,
        }
        with self.lock:
            self.log.append(entry)
        return entry

    def update(self, entry, **fields):
        with self.lock:
            entry.update(fields)

    def add(self, entry, field, amount):
        with self.lock:
            entry[field] += amount

    def log_json(self):
        with self.lock:
            return [dict(entry) for entry in self.log]


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, handler, state, listener):
        self.state = state
        self.listener = listener
        super().__init__(address, handler)

    @property
    def origin(self):
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def handle_error(self, request, client_address):
        error = sys.exc_info()[1]
        if isinstance(error, (OSError, Dropped)):
            say(f"{self.listener}: connection from {client_address[0]}:{client_address[1]} ended: {error!r}")
        else:
            say(f"{self.listener}: unexpected error for {client_address}:")
            import traceback
            traceback.print_exc(file=sys.stderr)
            sys.stderr.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "klein-fault-proxy"
    timeout = CLIENT_TIMEOUT

    # Every method, whatever its name, goes to dispatch.
    def __getattr__(self, name):
        if name.startswith("do_"):
            return self.dispatch
        raise AttributeError(name)

    def handle_expect_100(self):
        # Decided per request in dispatch: 100 Continue only when the body is going to be read.
        return True

    def log_message(self, format, *args):
        say(f"{self.server.listener}: {self.address_string()} {format % args}")

    # ---- request body -------------------------------------------------------------------------

    def body_framing(self):
        """('chunked', None), ('length', n), or ('none', 0) for the client's request."""
        encodings = [part.strip().lower() for value in self.headers.get_all("Transfer-Encoding", []) for part in value.split(",")]
        encodings = [e for e in encodings if e]
        if encodings:
            if encodings[-1] != "chunked":
                raise BadRequestBody("a Transfer-Encoding other than chunked")
            return "chunked", None
        lengths = self.headers.get_all("Content-Length", [])
        if lengths:
            values = {value.strip() for value in lengths}
            if len(values) != 1 or not next(iter(values)).isdigit():
                raise BadRequestBody("an invalid Content-Length")
            return "length", int(next(iter(values)))
        return "none", 0

    def body_pieces(self, framing):
        """The request body's bytes in pieces of at most 64 KiB; raises BadRequestBody on truncation."""
        kind, length = framing
        rfile = self.rfile
        if kind == "length":
            left = length
            while left > 0:
                piece = rfile.read1(min(PIECE, left))
                if not piece:
                    raise BadRequestBody(f"the client closed the connection {left} bytes before the end of the body")
                left -= len(piece)
                yield piece
        elif kind == "chunked":
            while True:
                line = rfile.readline(65537)
                if not line:
                    raise BadRequestBody("the client closed the connection inside a chunked body")
                size_text = line.split(b";", 1)[0].strip()
                try:
                    size = int(size_text, 16)
                except ValueError:
                    raise BadRequestBody(f"a bad chunk size line {line[:40]!r}")
                if size == 0:
                    # Trailers, up to the empty line.
                    while True:
                        trailer = rfile.readline(65537)
                        if not trailer or trailer in (b"\r\n", b"\n"):
                            break
                    return
                left = size
                while left > 0:
                    piece = rfile.read1(min(PIECE, left))
                    if not piece:
                        raise BadRequestBody("the client closed the connection inside a chunk")
                    left -= len(piece)
                    yield piece
                if rfile.readline(3) not in (b"\r\n", b"\n"):
                    raise BadRequestBody("a chunk not followed by CRLF")

    def drain(self, framing, entry):
        for piece in self.body_pieces(framing):
            self.server.state.add(entry, "request_bytes", len(piece))

    # ---- writing responses --------------------------------------------------------------------

    def write_head(self, status, reason, headers, entry):
        """Writes the status line and headers (hop-by-hop ones are the caller's to leave out)."""
        self.server.state.update(entry, status=status)
        lines = [f"HTTP/1.1 {status} {reason}\r\n"]
        for name, value in headers:
            lines.append(f"{name}: {value}\r\n")
        if self.close_connection:
            lines.append("Connection: close\r\n")
        lines.append("\r\n")
        self.wfile.write("".join(lines).encode("latin-1"))

    def simple_response(self, status, body, entry, content_type="application/json", extra=()):
        reason = http.client.responses.get(status, "Status")
        payload = b"" if self.command == "HEAD" else body
        headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))] + list(extra)
        self.server.state.add(entry, "response_bytes", len(payload))
        self.write_head(status, reason, headers, entry)
        if payload:
            self.wfile.write(payload)

    def json_response(self, status, value, entry):
        self.simple_response(status, json.dumps(value).encode() + b"\n", entry)

    def drop_client(self, reset):
        """Closes the client's connection: with a reset (RST) if `reset`, else an orderly close."""
        self.close_connection = True
        sock = self.connection
        try:
            if reset:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            sock.close()
        except OSError:
            pass

    # ---- dispatch -----------------------------------------------------------------------------

    def dispatch(self):
        state = self.server.state
        listener = self.server.listener
        split = urllib.parse.urlsplit(self.path)
        path, query = split.path, split.query
        if self.path.startswith(("http://", "https://")):
            target = path + (f"?{query}" if query else "")
        else:
            target = self.path
        expects_continue = self.headers.get("Expect", "").strip().lower() == "100-continue"

        if listener == "proxy" and path.startswith("/__proxy/"):
            return self.control(path, expects_continue)

        entry = state.new_entry(listener, self.command, path, query, self.headers.get("Authorization") is not None)
        try:
            framing = self.body_framing()
        except BadRequestBody as error:
            self.close_connection = True
            state.update(entry, error=str(error))
            return self.json_response(400, {"error": str(error)}, entry)

        rule = state.take_rule(self.command, path) if listener == "proxy" else None
        if rule is not None:
            state.update(entry, fault=rule["kind"])
        kind = rule["kind"] if rule else None

        try:
            if kind in ("status", "redirect"):
                if expects_continue and framing[0] != "none":
                    # The client waits before sending its body: answer now and close, never reading it.
                    self.close_connection = True
                else:
                    self.drain(framing, entry)
                if kind == "status":
                    status = rule["status"]
                    extra = [("Retry-After", rule["retry_after"])] if rule.get("retry_after") is not None else []
                    if rule.get("body") is not None:
                        body = rule["body"].encode()
                    else:
                        body = json.dumps({"errors": [{
                            "code": ERROR_CODES.get(status, "UNKNOWN"),
                            "message": f"fault proxy: injected status {status}",
                        }]}).encode() + b"\n"
                    say(f"{listener}: {self.command} {target}: injected status {status}")
                    return self.simple_response(status, body, entry, extra=extra)
                location = state.redirect_origin + target
                say(f"{listener}: {self.command} {target}: redirected to {location}")
                return self.simple_response(307, b"", entry, content_type="text/plain", extra=[("Location", location)])
            if expects_continue and framing[0] != "none":
                self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            return self.forward(target, framing, rule, entry)
        except BadRequestBody as error:
            state.update(entry, error=str(error))
            say(f"{listener}: {self.command} {target}: {error}")
            self.drop_client(reset=False)
        except Dropped:
            pass
        except (OSError, http.client.HTTPException) as error:
            # The client went away, or the upstream misbehaved after the response began.
            state.update(entry, error=entry["error"] or repr(error))
            say(f"{listener}: {self.command} {target}: {error!r}")
            self.drop_client(reset=False)

    def control(self, path, expects_continue):
        state = self.server.state
        entry = {"status": None, "response_bytes": 0, "request_bytes": 0}  # not logged
        try:
            framing = self.body_framing()
        except BadRequestBody as error:
            self.close_connection = True
            return self.json_response(400, {"error": str(error)}, entry)
        if expects_continue and framing[0] != "none":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = b"".join(self.body_pieces(framing))
        if path == "/__proxy/rules" and self.command == "POST":
            try:
                state.set_rules(json.loads(body or b"null"))
            except (ValueError, json.JSONDecodeError) as error:
                return self.json_response(400, {"error": str(error)}, entry)
            say(f"control: rules set: {body.decode(errors='replace')}")
            return self.json_response(200, {"rules": len(state.rules_json())}, entry)
        if path == "/__proxy/rules" and self.command == "GET":
            return self.json_response(200, state.rules_json(), entry)
        if path == "/__proxy/log" and self.command == "GET":
            return self.json_response(200, state.log_json(), entry)
        if path == "/__proxy/reset" and self.command == "POST":
            state.reset()
            say("control: reset")
            return self.json_response(200, {}, entry)
        return self.json_response(404, {"error": f"no control endpoint {self.command} {path}"}, entry)

    # ---- forwarding ---------------------------------------------------------------------------

    def forward(self, target, framing, rule, entry):
        state = self.server.state
        listener = self.server.listener
        upstream = state.upstream
        kind = rule["kind"] if rule else None

        connection_tokens = {t.strip().lower() for v in self.headers.get_all("Connection", []) for t in v.split(",")}
        conn = http.client.HTTPConnection(upstream.hostname, upstream.port or 80, timeout=UPSTREAM_TIMEOUT)
        try:
            try:
                conn.putrequest(self.command, target, skip_host=True, skip_accept_encoding=True)
                conn.putheader("Host", upstream.netloc)
                for name, value in self.headers.items():
                    lowered = name.lower()
                    if lowered in HOP_BY_HOP or lowered in connection_tokens or lowered in ("host", "content-length"):
                        continue
                    conn.putheader(name, value)
                if framing[0] == "chunked":
                    conn.putheader("Transfer-Encoding", "chunked")
                elif framing[0] == "length":
                    conn.putheader("Content-Length", str(framing[1]))
                conn.putheader("Connection", "close")
                conn.endheaders()
            except OSError as error:
                self.drain(framing, entry)
                state.update(entry, error=f"upstream unreachable: {error!r}")
                say(f"{listener}: {self.command} {target}: upstream unreachable: {error!r}")
                return self.json_response(502, {"error": f"fault proxy: upstream unreachable: {error!r}"}, entry)

            # The request body, relayed piece by piece (re-chunked if it came chunked).
            limit = rule["bytes"] if kind == "drop_request_after" else None
            relayed = 0
            send_failed = None
            pieces = self.body_pieces(framing)
            for piece in pieces:
                state.add(entry, "request_bytes", len(piece))
                if limit is not None and relayed + len(piece) > limit:
                    piece = piece[: limit - relayed]
                    if piece and send_failed is None:
                        self.send_upstream(conn, piece, framing)
                    relayed += len(piece)
                    state.update(entry, note=f"dropped both connections after relaying {relayed} request body bytes")
                    say(f"{listener}: {self.command} {target}: dropping both connections after {relayed} request body bytes")
                    self.drop_upstream(conn)
                    self.drop_client(reset=True)
                    raise Dropped()
                if send_failed is None:
                    try:
                        self.send_upstream(conn, piece, framing)
                    except OSError as error:
                        # The upstream stopped reading (it may have answered early): keep reading
                        # the client's body so its connection stays usable, then relay the answer.
                        send_failed = error
                relayed += len(piece)
            if framing[0] == "chunked" and send_failed is None:
                try:
                    conn.send(b"0\r\n\r\n")
                except OSError as error:
                    send_failed = error

            try:
                response = conn.getresponse()
            except (OSError, http.client.HTTPException) as error:
                if kind == "drop_request_after":
                    state.update(entry, note=f"relayed the whole {relayed}-byte body, dropped both connections; "
                                             f"the upstream gave no response: {error!r}")
                    self.drop_upstream(conn)
                    self.drop_client(reset=True)
                    raise Dropped()
                cause = send_failed or error
                state.update(entry, error=f"upstream failed: {cause!r}")
                say(f"{listener}: {self.command} {target}: upstream failed: {cause!r}")
                return self.json_response(502, {"error": f"fault proxy: upstream failed: {cause!r}"}, entry)

            if kind == "drop_request_after":
                state.update(entry, note=f"relayed the whole {relayed}-byte body, dropped both connections after the "
                                         f"upstream's {response.status}")
                say(f"{listener}: {self.command} {target}: upstream answered {response.status} to the whole "
                    f"{relayed}-byte body; dropping both connections")
                self.drop_upstream(conn)
                self.drop_client(reset=True)
                raise Dropped()

            self.relay_response(response, rule, entry, listener, target)
        finally:
            conn.close()

    @staticmethod
    def send_upstream(conn, piece, framing):
        if framing[0] == "chunked":
            conn.send(b"%x\r\n" % len(piece) + piece + b"\r\n")
        else:
            conn.send(piece)

    @staticmethod
    def drop_upstream(conn):
        # An orderly close: the upstream gets exactly the bytes relayed, then end of file.
        sock = conn.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        conn.close()

    def relay_response(self, response, rule, entry, listener, target):
        state = self.server.state
        kind = rule["kind"] if rule else None
        headers = []
        for name, value in response.getheaders():
            lowered = name.lower()
            if lowered in HOP_BY_HOP:
                continue
            if lowered == "location":
                value = self.rewrite_location(value)
            headers.append((name, value))

        no_body = self.command == "HEAD" or response.status in (204, 304) or 100 <= response.status < 200
        has_length = not response.chunked and response.length is not None
        if no_body:
            framing = "none"
        elif has_length:
            framing = "length"
        elif self.request_version == "HTTP/1.1":
            framing = "chunked"
            headers = [(n, v) for n, v in headers if n.lower() != "content-length"]
            headers.append(("Transfer-Encoding", "chunked"))
        else:
            framing = "close"
            self.close_connection = True

        drop_after = rule["bytes"] if kind == "drop_response_after" else None
        corrupt_at = rule["offset"] if kind == "corrupt_response" else None
        if corrupt_at is not None and (framing == "none" or (framing == "length" and corrupt_at >= response.length)):
            length = 0 if framing == "none" else response.length
            state.update(entry, note=f"nothing corrupted: offset {corrupt_at} is beyond the {length}-byte body")
        self.write_head(response.status, response.reason or "Status", headers, entry)

        sent = 0
        if framing != "none":
            while True:
                piece = response.read1(PIECE)
                if not piece:
                    break
                if drop_after is not None and sent + len(piece) >= drop_after:
                    piece = piece[: drop_after - sent]
                if corrupt_at is not None and sent <= corrupt_at < sent + len(piece):
                    index = corrupt_at - sent
                    piece = piece[:index] + bytes([piece[index] ^ 0xFF]) + piece[index + 1:]
                    state.update(entry, note=f"inverted response body byte {corrupt_at}")
                    say(f"{listener}: {self.command} {target}: inverted response body byte {corrupt_at}")
                if piece:
                    state.add(entry, "response_bytes", len(piece))
                    if framing == "chunked":
                        self.wfile.write(b"%x\r\n" % len(piece) + piece + b"\r\n")
                    else:
                        self.wfile.write(piece)
                    sent += len(piece)
                if drop_after is not None and sent >= drop_after:
                    break
            if response.length is not None and response.length > 0 and drop_after is None:
                # http.client ran out of bytes before Content-Length: the upstream cut the body short.
                raise http.client.IncompleteRead(b"", response.length)
        if corrupt_at is not None and sent <= corrupt_at and framing in ("chunked", "close"):
            state.update(entry, note=f"nothing corrupted: offset {corrupt_at} is beyond the {sent}-byte body")
        if drop_after is not None:
            state.update(entry, note=f"dropped the client connection after {sent} response body bytes")
            say(f"{listener}: {self.command} {target}: dropping the client connection after {sent} response body bytes")
            self.drop_client(reset=False)
            raise Dropped()
        if framing == "chunked":
            self.wfile.write(b"0\r\n\r\n")
        if framing == "close":
            self.drop_client(reset=False)
        say(f"{listener}: {self.command} {target} -> {response.status} ({entry['request_bytes']} bytes in, {sent} bytes out)"
            + (f" [{kind}]" if kind else ""))

    def rewrite_location(self, value):
        upstream = self.server.state.upstream
        origin = f"{upstream.scheme}://{upstream.netloc}".lower()
        if value.lower().startswith(origin) and value[len(origin):len(origin) + 1] in ("", "/", "?", "#"):
            return self.server.origin + value[len(origin):]
        return value


def main():
    parser = argparse.ArgumentParser(description="Fault-injecting HTTP proxy for Klein's client tests.")
    parser.add_argument("--upstream", required=True, help="http://HOST:PORT of the registry to forward to")
    parser.add_argument("--ignore-stdin", action="store_true", help="do not stop at end of file on standard input")
    arguments = parser.parse_args()
    upstream = urllib.parse.urlsplit(arguments.upstream)
    if upstream.scheme != "http" or not upstream.hostname:
        parser.error("--upstream must be an http:// URL with a host")

    def stop(*_):
        say("stopping")
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    state = State(upstream)
    proxy = Server(("127.0.0.1", 0), Handler, state, "proxy")
    redirect = Server(("127.0.0.1", 0), Handler, state, "redirect_target")
    state.proxy_origin = proxy.origin
    state.redirect_origin = redirect.origin
    for server in (proxy, redirect):
        threading.Thread(target=server.serve_forever, name=server.listener, daemon=True).start()
    sys.stdout.write(f"fault proxy listening on {proxy.origin}\nredirect target on {redirect.origin}\n")
    sys.stdout.flush()
    say(f"forwarding {proxy.origin} and {redirect.origin} to {upstream.scheme}://{upstream.netloc}")

    if arguments.ignore_stdin:
        while True:
            signal.pause()
    try:
        while os.read(sys.stdin.fileno(), 65536):
            pass
    except OSError:
        pass
    say("standard input closed")
    stop()


if __name__ == "__main__":
    main()
