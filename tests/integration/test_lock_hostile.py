"""`kernels lock` against hostile servers (a small Python Hub, hostile_hub.py) and faulty ones
(`kernels serve` with fault injection).

A hostile answer must make `kernels lock` fail with the documented exit code (5: the Hub or the
network failed, 1: a value from the Hub is unsafe or the server refused), print one error line that
names the thing (the path, the URL without secrets), never echo raw control characters, and write
no kernels.lock (an existing one stays byte-identical). The token goes to the endpoint only.
"""

import json

import pytest

from hostile_hub import COMMIT, FILES, hubs, tree_entries  # noqa: F401 (fixture)
from lock_fixtures import add, expected_variant_hashes, project
from mirror_fixtures import serve  # noqa: F401  (pytest fixture)

DEPENDENCY = '"org/x" = 1\n'  # status, refs (branch v1), tree
BY_REVISION = '"org/x" = { revision = "main" }\n'  # status, info (revision main), tree
# A valid lock of another commit: read before any request, so a failure must leave it as it was.
EXISTING_LOCK = json.dumps([{"repo_id": "org/x", "sha": "1" * 40, "variants": {
    "torch-cpu": {"hash": "sha256-" + "2" * 64, "hash_type": "git_lfs_concat"}}}], indent=2)
TOKEN = "hf_hostileTokenMarker0123456789"
REFS_CAP = 8 << 20  # kMaxRefsBytes


def lock(kernels, hub, proj, *extra, env=None):
    return kernels("-v", "-v", "-v", "--endpoint", hub.url, "--project", str(proj), *extra, "lock",
                   env=env)


def assert_one_clean_error_line(result, code):
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kernels: error: "), result.stderr
    assert not any(ord(c) < 0x20 and c != "\n" for c in result.stderr), repr(result.stderr)


def test_the_hostile_hub_answers_well_until_told_otherwise(kernels, hubs, tmp_path):
    """The control: without hostile answers, the fake Hub is good enough for a lock, so that the
    failures below come from the hostile answers and not from the fake."""
    hub = hubs()
    proj = project(tmp_path / "proj", DEPENDENCY)
    (proj / "kernels.lock").write_text(EXISTING_LOCK)
    result = lock(kernels, hub, proj)
    assert result.returncode == 0, result.stderr
    [entry] = json.loads((proj / "kernels.lock").read_text())
    assert entry["sha"] == COMMIT
    assert {name: v["hash"] for name, v in entry["variants"].items()} == expected_variant_hashes(FILES)


# Answers, each replacing one kind of the hostile Hub's answers.

def with_body(text, headers=None):
    return lambda handler: handler.reply_json(text, headers=headers)


def tree_with_path(path):
    entry = {"type": "file", "oid": "0" * 40, "size": 1, "path": path}
    return lambda handler: handler.reply_json(tree_entries() + [entry])


def larger_than_announced(handler):
    start = b'{"branches": ['
    handler.reply(200, b"", {"Content-Type": "application/json", "Content-Length": str(len(start))})
    if handler.write_body(start):
        while handler.hub.stats.body_bytes_sent < 256 << 20 and handler.write_body(b" " * 65536):
            pass
    handler.close_connection = True


def announced_over_the_cap(handler):
    handler.reply(200, b"", {"Content-Type": "application/json", "Content-Length": str(10 << 30)})
    handler.write_body(b'{"branches": [')
    handler.close_connection = True


def endless_chunked(handler):
    handler.reply(200, b"", {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    data = b'{"branches": [' + b" " * 65522
    frame = b"%x\r\n" % len(data) + data + b"\r\n"
    # Bounded, so that a client without a cap fails the test instead of hanging it.
    while handler.hub.stats.body_bytes_sent < 1 << 30 and handler.write_body(frame):
        data = b" " * len(data)
        frame = b"%x\r\n" % len(data) + data + b"\r\n"
    handler.close_connection = True


def tree_linking_to(next_url):
    def answer(handler):
        target = next_url(handler)
        headers = {"Link": f'<{target}>; rel="next"'} if target else {}
        handler.reply_json(tree_entries() if "cursor" not in handler.path else [], headers=headers)
    return answer


def self_link(handler):
    return handler.url()


def two_page_cycle(handler):
    first = handler.url().split("&cursor=")[0]
    return first if "cursor=b" in handler.path else first + "&cursor=b"


def fresh_cursor(handler):
    number = int(handler.path.split("cursor=")[1]) + 1 if "cursor=" in handler.path else 1
    return handler.url().split("&cursor=")[0] + f"&cursor={number}"


def endless_headers(handler):
    handler.send_response(200)
    handler.flush_headers()  # the status line, before the endless header lines
    number = 0
    while handler.hub.stats.body_bytes_sent < 256 << 20:
        if not handler.write_body(b"X-Filler-%d: %s\r\n" % (number, b"a" * 1000)):
            break
        number += 1
    handler.close_connection = True


def redirect_to(location):
    return lambda handler: handler.reply(302, b"", {"Location": location(handler)})


def kernel_status(text):
    return lambda handler: handler.reply(200, text.encode(), {"Content-Type": "text/plain"})


TREE = f"/api/kernels/org/x/tree/{COMMIT}"
CASES = {
    # id: (dependencies, kind, answer, exit code, what the error line names)
    "refs-malformed-json": (DEPENDENCY, "refs", with_body('{"branches": [{"name": "v1",'), 5,
                            ["malformed JSON from the Hub for org/x", "/api/kernels/org/x/refs"]),
    "info-malformed-json": (BY_REVISION, "info", with_body('{"id": "org/x", "sha": '), 5,
                            ["malformed JSON from the Hub for org/x", "/api/kernels/org/x/revision/main"]),
    "tree-malformed-json": (DEPENDENCY, "tree", with_body('[{"path": "build", "type": "directory"'), 5,
                            ["malformed JSON from the Hub for org/x", TREE]),
    "tree-path-dotdot": (DEPENDENCY, "tree", tree_with_path("build/torch-cpu/../../../../etc/passwd"), 1,
                         ["refusing tree entry 'build/torch-cpu/../../../../etc/passwd' from org/x", TREE]),
    "tree-path-absolute": (DEPENDENCY, "tree", tree_with_path("/etc/passwd"), 1,
                           ["refusing tree entry '/etc/passwd' from org/x", "absolute"]),
    "tree-path-backslash": (DEPENDENCY, "tree", tree_with_path("build\\torch-cpu\\evil.py"), 1,
                            [r"refusing tree entry 'build\x5ctorch-cpu\x5cevil.py'", "backslash"]),
    "tree-path-nul": (DEPENDENCY, "tree", tree_with_path("build/torch-cpu/a\x00b.py"), 1,
                      [r"refusing tree entry 'build/torch-cpu/a\x00b.py'", "NUL"]),
    "tree-path-control": (DEPENDENCY, "tree", tree_with_path("build/torch-cpu/\x1b[2Jx.py"), 1,
                          [r"refusing tree entry 'build/torch-cpu/\x1b[2Jx.py'", "control character"]),
    "refs-non-hex-commit": (DEPENDENCY, "refs", with_body({"branches": [
        {"name": "v1", "ref": "refs/heads/v1", "targetCommit": "g" * 40}], "tags": []}), 1,
        ["refusing ref 'v1' from org/x", "'" + "g" * 40 + "' is not a 40-digit commit id"]),
    "info-non-hex-sha": (BY_REVISION, "info", with_body({"id": "org/x", "sha": "../../" + "0" * 34}), 1,
                         ["refusing the info of org/x", "is not a 40-digit commit id"]),
    "refs-nested-too-deep": (DEPENDENCY, "refs", with_body('{"branches": ' + "[" * 100000), 5,
                             ["malformed JSON from the Hub for org/x", "nested deeper than 64 levels"]),
    "status-redirect-to-a-bad-repo-id": (DEPENDENCY, "status", kernel_status(
        'kind = "redirect"\ndestination = "../../etc/passwd"\n'), 1,
        ["kernel-status.toml redirects to an invalid repo id", "/kernels/org/x/resolve/main/kernel-status.toml"]),
    "status-malformed-toml": (DEPENDENCY, "status", kernel_status('kind = "redirect\n'), 1,
                              ["kernel-status.toml is not valid TOML"]),
    "body-larger-than-announced": (DEPENDENCY, "refs", larger_than_announced, 5,
                                   ["malformed JSON from the Hub for org/x", "/api/kernels/org/x/refs"]),
    "body-announced-over-the-cap": (DEPENDENCY, "refs", announced_over_the_cap, 5,
                                    [f"({10 << 30} bytes) is larger than the limit of {REFS_CAP} bytes",
                                     "/api/kernels/org/x/refs"]),
    "body-endless-chunked": (DEPENDENCY, "refs", endless_chunked, 5,
                             [f"larger than the limit of {REFS_CAP} bytes", "/api/kernels/org/x/refs"]),
    "headers-endless": (DEPENDENCY, "refs", endless_headers, 5,
                        ["/api/kernels/org/x/refs", "the response headers are larger than the limit of 262144 bytes"]),
    "redirect-loop": (DEPENDENCY, "refs", redirect_to(lambda handler: handler.path), 5,
                      ["more than 10 redirects", "/api/kernels/org/x/refs"]),
    "redirect-to-a-file-url": (DEPENDENCY, "refs", redirect_to(lambda _: "file:///etc/passwd"), 5,
                               ["redirects to an unusable location: scheme 'file' is not allowed"]),
    "link-to-itself": (DEPENDENCY, "tree", tree_linking_to(self_link), 5,
                       ["the file list of org/x cannot be read to the end", "a loop", TREE]),
    "link-two-page-cycle": (DEPENDENCY, "tree", tree_linking_to(two_page_cycle), 5,
                            ["the file list of org/x cannot be read to the end", "a loop"]),
    "link-endless-fresh-pages": (DEPENDENCY, "tree", tree_linking_to(fresh_cursor), 5,
                                 ["the file list of org/x cannot be read to the end", "more than 1000 pages"]),
}


@pytest.mark.parametrize("case", CASES.keys())
def test_a_hostile_answer_fails_the_lock_and_writes_nothing(kernels, hubs, tmp_path, case):
    dependencies, kind, answer, code, names = CASES[case]
    hub = hubs()
    hub.answers[kind] = answer
    proj = project(tmp_path / "proj", dependencies)

    first = lock(kernels, hub, proj)
    assert_one_clean_error_line(first, code)
    for name in names:
        assert name in first.stderr, first.stderr
    assert hub.url in first.stderr  # the URL that answered so
    assert not (proj / "kernels.lock").exists()

    (proj / "kernels.lock").write_text(EXISTING_LOCK)
    again = lock(kernels, hub, proj)
    assert_one_clean_error_line(again, code)
    assert (proj / "kernels.lock").read_text() == EXISTING_LOCK
    assert sorted(p.name for p in proj.iterdir()) == ["kernels.lock", "pyproject.toml"]  # no temp left


def test_the_client_stops_reading_an_endless_body_at_its_cap(kernels, hubs, tmp_path):
    hub = hubs()
    hub.answers["refs"] = endless_chunked
    result = lock(kernels, hub, project(tmp_path / "proj", DEPENDENCY))
    assert result.returncode == 5, result.stderr
    assert hub.stats.client_went_away
    # What the server got rid of: the cap, plus what the sockets' buffers held.
    assert REFS_CAP <= hub.stats.body_bytes_sent < REFS_CAP + (32 << 20)


@pytest.mark.parametrize("token_from", ["--token", "HF_TOKEN"])
def test_a_redirect_to_another_host_does_not_carry_the_token(kernels, hubs, tmp_path, token_from):
    hub, foreign = hubs(), hubs()
    # Another origin (localhost, another port), with secrets in the query for good measure.
    foreign_refs = f"http://localhost:{foreign.port}/api/kernels/org/x/refs"
    hub.answers["refs"] = redirect_to(lambda _: foreign_refs + "?X-Amz-Signature=sig-SECRET&token=tok-SECRET")
    foreign.answers["refs"] = lambda handler: handler.reply_json(
        {"error": "Invalid credentials in Authorization header"}, 401)
    proj = project(tmp_path / "proj", DEPENDENCY)
    extra, env = (("--token", TOKEN), None) if token_from == "--token" else ((), {"HF_TOKEN": TOKEN})

    result = lock(kernels, hub, proj, *extra, env=env)
    assert_one_clean_error_line(result, 1)
    assert hub.authorizations() == [f"Bearer {TOKEN}"] * 3  # org overview, kernel-status.toml, refs
    assert [seen.path.split("?")[0] for seen in foreign.seen] == ["/api/kernels/org/x/refs"]
    assert foreign.authorizations() == [None]
    output = result.stdout + result.stderr
    assert TOKEN not in output and "SECRET" not in output
    assert foreign_refs in result.stderr
    # Not "the token was rejected": it was never sent there.
    assert f"where {hub.url} redirected the request: the token goes to {hub.url} only" in result.stderr
    assert not (proj / "kernels.lock").exists()


def test_a_redirect_chain_that_comes_back_stays_without_the_token(kernels, hubs, tmp_path):
    """A foreign server must not be able to choose an authenticated request to the endpoint."""
    hub, foreign = hubs(), hubs()
    back = f"{hub.url}/api/kernels/org/x/refs?back=1"

    def refs(handler):
        if "back=1" in handler.path:
            handler.reply_json({"error": "Invalid credentials in Authorization header"}, 401)
        else:
            handler.reply(302, b"", {"Location": f"http://localhost:{foreign.port}/api/kernels/org/x/refs"})

    hub.answers["refs"] = refs
    foreign.answers["refs"] = redirect_to(lambda _: back)
    proj = project(tmp_path / "proj", DEPENDENCY)
    result = lock(kernels, hub, proj, "--token", TOKEN)
    assert_one_clean_error_line(result, 1)
    assert [(seen.path, seen.headers.get("authorization")) for seen in hub.seen[2:]] == [
        ("/api/kernels/org/x/refs", f"Bearer {TOKEN}"), ("/api/kernels/org/x/refs?back=1", None)]
    assert foreign.authorizations() == [None]
    assert TOKEN not in result.stdout + result.stderr


def test_a_next_page_on_another_host_is_asked_without_the_token(kernels, hubs, tmp_path):
    hub, foreign = hubs(), hubs()
    hub.answers["tree"] = tree_linking_to(
        lambda handler: f"http://localhost:{foreign.port}{handler.path}&cursor=1")
    foreign.answers["tree"] = lambda handler: handler.reply_json({"error": "who are you?"}, 401)
    result = lock(kernels, hub, project(tmp_path / "proj", DEPENDENCY), "--token", TOKEN)
    assert_one_clean_error_line(result, 1)
    assert hub.authorizations() == [f"Bearer {TOKEN}"] * 4  # overview, kernel-status, refs, tree
    assert foreign.authorizations() == [None]
    assert TOKEN not in result.stdout + result.stderr


def test_a_server_that_echoes_the_token_does_not_get_it_printed(kernels, hubs, tmp_path):
    hub = hubs()

    def echo(handler):
        said = f"token {handler.headers.get('Authorization')} may not read org/x"
        handler.reply_json({"error": said}, 403, {"X-Error-Message": said})

    hub.answers["refs"] = echo
    proj = project(tmp_path / "proj", DEPENDENCY)
    result = lock(kernels, hub, proj, "--token", TOKEN)
    assert_one_clean_error_line(result, 1)
    assert hub.authorizations()[-1] == f"Bearer {TOKEN}"
    assert TOKEN not in result.stdout + result.stderr
    assert "<token>" in result.stderr


# Faults from `kernels serve`: the lock survives them and writes the same bytes.

FAULT_KINDS = (("--drop-rate", "drop"), ("--error-rate", "error"), ("--rate-limit-rate", "rate-limit"))
MAX_ATTEMPTS = 5  # RetryPolicy::max_attempts


def _mix64(value):
    """SplitMix64, as lib/src/mirror/faults.cpp draws faults."""
    mask = (1 << 64) - 1
    value = (value + 0x9E3779B97F4A7C15) & mask
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & mask
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & mask
    return value ^ (value >> 31)


def injected_fault(rates: dict, seed: int, index: int):
    """The fault `kernels serve --seed` gives its request number `index` (0-based, in arrival
    order): drop, error, rate-limit in that order of thresholds, as faults.cpp does."""
    draw = (_mix64(_mix64(seed) ^ index) >> 11) / float(1 << 53)
    threshold = 0.0
    for _, kind in FAULT_KINDS:
        threshold += rates.get(kind, 0.0)
        if draw < threshold:
            return kind
    return None


def survivable_seed(rates: dict, requests: int) -> int:
    """The first seed that injects every kind of `rates`, and at least two faults, among the first
    `requests` requests (the lock surely makes those), and no more than MAX_ATTEMPTS - 1 faults
    among the first requests + MAX_ATTEMPTS - 1. Each fault costs at most one more request, so
    the lock then meets no more faults than that, and no request can fail all of its attempts
    however the parallel requests interleave: the test is deterministic."""
    spare = MAX_ATTEMPTS - 1
    for seed in range(1, 100000):
        faults = [injected_fault(rates, seed, index) for index in range(requests + spare)]
        surely_met = [fault for fault in faults[:requests] if fault]
        if (len([f for f in faults if f]) <= spare and set(rates) <= set(surely_met)
                and len(surely_met) >= 2):
            return seed
    raise AssertionError(f"no seed fits {rates} for {requests} requests")


def request_lines(log: str) -> list:
    """The request log of `kernels serve -v`: "kernels serve: GET /api/... 200"."""
    return [line for line in log.splitlines() if line.startswith(("kernels serve: GET ", "kernels serve: HEAD "))]


@pytest.mark.parametrize("faults", [
    {"error": 0.3}, {"rate-limit": 0.2}, {"drop": 0.2}, {"drop": 0.1, "error": 0.1, "rate-limit": 0.1}],
    ids=lambda faults: "+".join(faults))
def test_lock_through_injected_faults_writes_the_same_bytes(kernels, serve, tmp_path, faults):
    mirror = tmp_path / "mirror"
    add(kernels, tmp_path, mirror, "org/relu", "r1", "--branch", "v1")
    add(kernels, tmp_path, mirror, "org/act", "a1", "--tag", "v0.1.0")
    add(kernels, tmp_path, mirror, "org/norm", "n1", "--branch", "v1", "--tag", "v1.0.0")
    dependencies = '"org/relu" = 1\n"org/act" = ">=0.1,<0.2"\n"org/norm" = 1\n'

    clean = serve(mirror, "-v")
    expected = project(tmp_path / "clean", dependencies)
    result = kernels("--endpoint", clean.url, "--project", str(expected), "lock")
    assert result.returncode == 0, result.stderr
    clean.stop()
    requests = len(request_lines(clean.process.stderr.read()))

    flags = [option for flag, kind in FAULT_KINDS if kind in faults for option in (flag, str(faults[kind]))]
    faulty = serve(mirror, "-v", *flags, "--seed", str(survivable_seed(faults, requests)))
    proj = project(tmp_path / "faulty", dependencies)
    result = kernels("--endpoint", faulty.url, "--project", str(proj), "lock")
    assert result.returncode == 0, result.stderr
    assert (proj / "kernels.lock").read_bytes() == (expected / "kernels.lock").read_bytes()
    faulty.stop()
    log = faulty.process.stderr.read()
    for kind in faults:
        assert f"(injected {kind})" in log, log
