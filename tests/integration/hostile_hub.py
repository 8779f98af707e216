"""A small hostile Hub for the `kernels lock` tests: a ThreadingHTTPServer on 127.0.0.1 (port 0,
in a thread) that answers the requests `kernels lock` makes for one kernel repo, org/x:

    GET|HEAD /kernels/org/x/resolve/<rev>/kernel-status.toml   "status" (404 EntryNotFound)
    GET      /api/kernels/org/x/refs                           "refs"   (branch v1 at COMMIT)
    GET      /api/kernels/org/x/revision/<rev>                 "info"   (sha COMMIT)
    GET      /api/kernels/org/x/tree/<rev>?recursive=...       "tree"   (the files of FILES)

Out of the box it answers as the Hub does, so that `kernels lock` succeeds against it (a test
checks that); a test replaces the answer of one kind with a function of the request, which may
answer anything at all. Every request is recorded with its headers.
"""

import hashlib
import http.server
import json
import re
import threading
from dataclasses import dataclass, field

COMMIT = hashlib.sha1(b"hostile hub commit").hexdigest()
FILES = {
    "build/torch-cpu/__init__.py": b"from ._ops import ops\n",
    "build/torch-cpu/metadata.json": b'{"version": 1}\n',
    "README.md": b"# x\n",
}

_ROUTES = (
    ("status", re.compile(r"^/kernels/org/x/resolve/[^/]+/kernel-status\.toml$")),
    ("refs", re.compile(r"^/api/kernels/org/x/refs$")),
    ("info", re.compile(r"^/api/kernels/org/x/revision/[^/]+$")),
    ("tree", re.compile(r"^/api/kernels/org/x/tree/[^/?]+$")),
)


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Seen:
    method: str
    path: str  # with the query
    headers: dict  # names lowercased


@dataclass
class Stats:
    body_bytes_sent: int = 0
    client_went_away: bool = False


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the Hub
    # Headers and body go out in separate writes: without this, Nagle's algorithm and delayed
    # ACKs add 40 ms to every answer.
    disable_nagle_algorithm = True
    hub: "HostileHub"  # set per server class

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        self.hub.dispatch(self)

    def do_HEAD(self):
        self.hub.dispatch(self)

    # Helpers for answers.

    def reply(self, status: int, body: bytes = b"", headers: dict | None = None):
        headers = dict(headers or {})
        self.send_response(status)
        if "Content-Length" not in headers and "Transfer-Encoding" not in headers:
            headers["Content-Length"] = str(len(body))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD" and body:
            self.write_body(body)

    def reply_json(self, value, status: int = 200, headers: dict | None = None):
        text = value if isinstance(value, (bytes, str)) else json.dumps(value)
        body = text.encode() if isinstance(text, str) else text
        self.reply(status, body, {"Content-Type": "application/json", **(headers or {})})

    def write_body(self, data: bytes) -> bool:
        """False once the client has closed the connection."""
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.hub.stats.client_went_away = True
            self.close_connection = True
            return False
        self.hub.stats.body_bytes_sent += len(data)
        return True

    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{self.path}"


def good_status(handler: Handler):
    handler.reply_json({"error": "Entry not found"}, 404, {"X-Error-Code": "EntryNotFound"})


def good_refs(handler: Handler):
    handler.reply_json({"branches": [{"name": "v1", "ref": "refs/heads/v1", "targetCommit": COMMIT}],
                        "tags": [], "converts": []})


def good_info(handler: Handler):
    handler.reply_json({"id": "org/x", "sha": COMMIT, "private": False})


def tree_entries(files: dict = FILES) -> list:
    return [{"type": "file", "oid": git_blob_id(data), "size": len(data), "path": path}
            for path, data in files.items()]


def good_tree(handler: Handler):
    handler.reply_json(tree_entries())


@dataclass
class HostileHub:
    answers: dict = field(default_factory=lambda: {
        "status": good_status, "refs": good_refs, "info": good_info, "tree": good_tree})
    seen: list = field(default_factory=list)
    stats: Stats = field(default_factory=Stats)
    server: http.server.ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "HostileHub":
        handler = type("BoundHandler", (Handler,), {"hub": self})
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def dispatch(self, handler: Handler):
        self.seen.append(Seen(handler.command, handler.path,
                              {name.lower(): value for name, value in handler.headers.items()}))
        path = handler.path.split("?", 1)[0]
        for kind, pattern in _ROUTES:
            if pattern.match(path):
                return self.answers[kind](handler)
        handler.reply_json({"error": "Repository not found"}, 404, {"X-Error-Code": "RepoNotFound"})

    def authorizations(self) -> list:
        return [seen.headers.get("authorization") for seen in self.seen]
