"""A small hostile Hub for the `kernels lock` and `kernels download` tests: a ThreadingHTTPServer
on 127.0.0.1 (port 0, in a thread) that answers the requests those commands make for one kernel
repo, org/x:

    GET|HEAD /kernels/org/x/resolve/<rev>/kernel-status.toml   "status" (404 EntryNotFound)
    GET      /api/kernels/org/x/refs                           "refs"   (branch v1 at COMMIT)
    GET      /api/kernels/org/x/revision/<rev>                 "info"   (sha COMMIT)
    GET      /api/kernels/org/x/tree/<rev>[/<path>]?...        "tree"   (the files of FILES)
    GET|HEAD /kernels/org/x/resolve/<rev>/<path>               "file"   (the bytes of FILES)

Out of the box it answers as the Hub does, so that `kernels lock` and `kernels download` succeed
against it (tests check that); a test replaces the answer of one kind with a function of the
request, which may answer anything at all. Every request is recorded with its headers.
"""

import hashlib
import http.server
import json
import re
import threading
import urllib.parse
from dataclasses import dataclass, field

import pytest

COMMIT = hashlib.sha1(b"hostile hub commit").hexdigest()
FILES = {
    "build/torch-cpu/__init__.py": b"from ._ops import ops\n",
    "build/torch-cpu/metadata.json": json.dumps({
        "name": "hostile", "id": "_hostile_cpu_h1", "version": 1, "license": "Apache-2.0", "python-depends": [],
        "backend": {"type": "cpu"}}).encode(),
    "README.md": b"# x\n",
}

_ROUTES = (
    ("status", re.compile(r"^/kernels/org/x/resolve/[^/]+/kernel-status\.toml$")),
    ("refs", re.compile(r"^/api/kernels/org/x/refs$")),
    ("info", re.compile(r"^/api/kernels/org/x/revision/[^/]+$")),
    ("tree", re.compile(r"^/api/kernels/org/x/tree/[^/?]+(/[^?]+)?$")),
    ("file", re.compile(r"^/kernels/org/x/resolve/[^/]+/.+$")),
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


def tree_path(handler: Handler) -> str:
    """The folder a tree request lists ("" for the whole repo, "build" for a download's)."""
    rest = handler.path.split("?", 1)[0].split("/tree/", 1)[1]
    return urllib.parse.unquote(rest.split("/", 1)[1]) if "/" in rest else ""


def good_tree(handler: Handler):
    folder = tree_path(handler)
    prefix = folder + "/" if folder else ""
    entries = [entry for entry in tree_entries() if entry["path"].startswith(prefix)]
    if "recursive=true" not in handler.path:  # the folder's own entries, its subfolders as such
        children = {}
        for entry in entries:
            name = entry["path"][len(prefix):].split("/", 1)[0]
            folder_entry = {"type": "directory", "oid": "0" * 40, "size": 0, "path": prefix + name}
            children[name] = entry if entry["path"] == prefix + name else folder_entry
        entries = list(children.values())
    handler.reply_json(entries)


def file_path(handler: Handler) -> str:
    """The repository path of a resolve request."""
    rest = handler.path.split("?", 1)[0].split("/resolve/", 1)[1]
    return urllib.parse.unquote(rest.split("/", 1)[1])


def file_headers(data: bytes) -> dict:
    return {"Content-Type": "application/octet-stream", "ETag": f'"{git_blob_id(data)}"',
            "X-Repo-Commit": COMMIT}


def good_file(handler: Handler):
    data = FILES.get(file_path(handler))
    if data is None:
        handler.reply_json({"error": "Entry not found"}, 404, {"X-Error-Code": "EntryNotFound"})
    else:
        handler.reply(200, data, file_headers(data))


@dataclass
class HostileHub:
    answers: dict = field(default_factory=lambda: {
        "status": good_status, "refs": good_refs, "info": good_info, "tree": good_tree,
        "file": good_file})
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


@pytest.fixture
def hubs():
    """Starts hostile hubs (each call one more) and stops them at the end of the test."""
    started = []

    def start() -> HostileHub:
        started.append(HostileHub().start())
        return started[-1]

    yield start
    for hub in started:
        hub.stop()
