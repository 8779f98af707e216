"""The token never appears in what a command prints or writes, at any verbosity (DESIGN.md,
reliability and security rules): every command that talks to the Hub runs at -vvv, with and
without --json, against `kernels serve --require-token MARKER` and a private repo (so the token is
really sent and really needed), with the token from each of its sources, on the way that works,
with a wrong token (401) and for a repo that does not exist (404). No marker may appear in stdout,
stderr or any file under the test's folder but the token file itself.
"""

import json
import os
import shutil
from pathlib import Path

import pytest

from hostile_hub import file_path, good_file, hubs  # noqa: F401 (fixture)
from lock_fixtures import make_kernel_build
from mirror_fixtures import DATE, serve  # noqa: F401 (fixture)
from versions_fixtures import cpu_system_args

MARKER = "hf_tokenMarkerNeverPrinted7f3a9c"
WRONG = "hf_wrongMarkerNeverPrinted0b2e4d"
SECRET, ABSENT = "org/secret", "org/absent"


class World:
    """A mirror with the private kernel org/secret (branch v1), served with --require-token
    MARKER, and a project folder each command runs in."""

    def __init__(self, kernels, tmp_path: Path, serve):
        self.kernels = kernels
        self.tmp_path = tmp_path
        self.mirror = tmp_path / "mirror"
        build = tmp_path / "build"
        make_kernel_build(build, "secret", "s1")
        added = kernels("mirror", "add", str(build), "--repo", SECRET, "--mirror", str(self.mirror), "--branch", "v1",
                        "--private", "--trusted-publisher", env={"SOURCE_DATE_EPOCH": DATE})
        assert added.returncode == 0, added.stderr
        self.server = serve(self.mirror, "--require-token", MARKER)
        self.project = tmp_path / "proj"
        self.project.mkdir()
        self.cache = tmp_path / "cache"
        self.system = cpu_system_args(tmp_path)

    def start_afresh(self):
        """No cache, no pulled mirror and no token file."""
        shutil.rmtree(self.cache, ignore_errors=True)
        shutil.rmtree(self.tmp_path / "pulled", ignore_errors=True)
        for path in self.token_files():
            path.unlink(missing_ok=True)

    def depend_on(self, *repos):
        lines = "".join(f'"{repo}" = 1\n' for repo in repos)
        (self.project / "pyproject.toml").write_text(f"[tool.kernels.dependencies]\n{lines}")
        (self.project / "kernels.lock").unlink(missing_ok=True)

    def lock_with_the_right_token(self):
        result = self.run(("lock",), "HF_TOKEN", MARKER)
        assert result.returncode == 0, result.stderr

    def run(self, args, source, token, *extra):
        """`args` with the token from `source`: the --token flag, HF_TOKEN, the file HF_TOKEN_PATH
        names, or $HF_HOME/token."""
        env = {"KERNELS_CACHE": str(self.cache)}
        flags = []
        if source == "--token":
            flags = ["--token", token]
        elif source == "HF_TOKEN":
            env["HF_TOKEN"] = token
        elif source == "HF_TOKEN_PATH":
            (self.tmp_path / "token-file").write_text(token + "\n")
            env["HF_TOKEN_PATH"] = str(self.tmp_path / "token-file")
        else:
            home = self.tmp_path / "hf-home"  # the kernels fixture's HF_HOME
            home.mkdir(exist_ok=True)
            (home / "token").write_text(token + "\n")
        return self.kernels("-v", "-v", "-v", *extra, "--endpoint", self.server.url, "--project", str(self.project),
                            *flags, *args, env=env)

    def token_files(self):
        return {self.tmp_path / "token-file", self.tmp_path / "hf-home" / "token"}

    def assert_no_token_anywhere(self, result, what):
        for token in (MARKER, WRONG):
            assert token not in result.stdout, (what, result.stdout)
            assert token not in result.stderr, (what, result.stderr)
        for root, folders, files in os.walk(self.tmp_path):
            for name in folders + files:
                path = Path(root) / name
                if path in self.token_files():
                    continue
                for token in (MARKER, WRONG):
                    assert token not in name, (what, path)
                    if path.is_symlink():
                        assert token not in os.readlink(path), (what, path)
                    elif path.is_file():
                        assert token.encode() not in path.read_bytes(), (what, path)



# Per command: how to prepare the project for it (a function of the world and the repo it is about)
# and its arguments. Each is run with the right token (and must succeed: the repo is private, so
# that shows the token was sent), with a wrong one and for a repo the server does not have.

def prepare_lock(world, repo):
    world.depend_on(repo)


def prepare_locked(world, repo):
    world.depend_on(SECRET)
    world.lock_with_the_right_token()
    if repo != SECRET:  # a lock of a repo the server does not have
        world.depend_on(repo)
        (world.project / "kernels.lock").write_text(json.dumps([{"repo_id": repo, "sha": "1" * 40, "variants": {
            "torch-cpu": {"hash": "sha256-" + "2" * 64, "hash_type": "git_lfs_concat"}}}], indent=2))


def prepare_nothing(world, repo):
    world.depend_on()


def prepare_remove(world, repo):
    # Removing org/other relocks what is left: the repo under test.
    world.depend_on(repo, "org/other")


COMMANDS = {
    # id: (prepare, arguments for the repo, exit code with the right token)
    "lock": (prepare_lock, lambda world, repo: ["lock"], 0),
    "download": (prepare_locked, lambda world, repo: ["download", "--all-variants"], 0),
    "check-lock": (prepare_locked, lambda world, repo: ["check", "--lock"], 0),
    "versions": (prepare_nothing, lambda world, repo: ["versions", repo, *world.system], 0),
    "info": (prepare_nothing, lambda world, repo: ["info", repo, *world.system], 0),
    "add": (prepare_nothing, lambda world, repo: ["add", f"{repo}@1"], 0),
    "remove": (prepare_remove, lambda world, repo: ["remove", "org/other"], 0),
    # The fake .so files are not ELF files the check can read: reported as ABI problems (exit 1),
    # after the kernel was fetched with the token (a repo hidden without it would be exit 6).
    "check-abi": (prepare_nothing, lambda world, repo: ["check", "--abi", f"{repo}@1"], 1),
    # Reads from another Hub (--from) with the token; the mirror it fills is under tmp_path, so
    # the walk checks that no pulled file or record holds the token either.
    "mirror-pull": (
        prepare_nothing,
        lambda world, repo: ["mirror", "pull", f"{repo}@1", "--from", world.server.url,
                             "--mirror", str(world.tmp_path / "pulled")],
        0,
    ),
}
SOURCES = ("HF_TOKEN", "--token", "HF_TOKEN_PATH", "HF_HOME/token")


@pytest.mark.parametrize("command", COMMANDS.keys())
def test_the_token_is_never_printed_nor_written(kernels, tmp_path, serve, command):
    prepare, arguments, ok_code = COMMANDS[command]
    world = World(kernels, tmp_path, serve)

    def run(repo, source, token, extra):
        world.start_afresh()
        prepare(world, repo)
        # Nothing the preparation cached: a command that finds what it needs there (a lock kept
        # as locked, a download already done) would not need the token.
        shutil.rmtree(world.cache, ignore_errors=True)
        return world.run(arguments(world, repo), source, token, *extra)

    for source in SOURCES:
        for extra in ((), ("--json",)) if source == "HF_TOKEN" else ((),):
            what = f"{command} {source} {' '.join(extra)}"
            works = run(SECRET, source, MARKER, extra)
            assert works.returncode == ok_code, (what, works.stdout + works.stderr)
            world.assert_no_token_anywhere(works, what + " (right token)")

            wrong = run(SECRET, source, WRONG, extra)
            assert wrong.returncode == 1, (what, wrong.stdout + wrong.stderr)
            assert "the token was rejected" in wrong.stdout + wrong.stderr, (what, wrong.stdout + wrong.stderr)
            world.assert_no_token_anywhere(wrong, what + " (wrong token)")

            absent = run(ABSENT, source, MARKER, extra)
            assert absent.returncode == 6, (what, absent.stdout + absent.stderr)
            world.assert_no_token_anywhere(absent, what + " (absent repo)")


def test_info_does_not_print_a_token_the_server_echoes_in_the_metadata_error(kernels, hubs, tmp_path):
    """`kernels info` fetches metadata.json itself (not through a HubClient call that scrubs)."""
    hub = hubs()

    def echo(handler):
        said = f"token {handler.headers.get('Authorization')} may not read {file_path(handler)}"
        if handler.command == "HEAD":
            return good_file(handler)
        handler.reply_json({"error": said}, 403, {"X-Error-Message": said})

    hub.answers["file"] = echo
    result = kernels("-v", "-v", "-v", "--endpoint", hub.url, "info", "org/x", "--revision", "main",
                     *cpu_system_args(tmp_path), env={"HF_TOKEN": MARKER})
    assert result.returncode == 1, result.stdout + result.stderr
    assert any(seen.headers.get("authorization") == f"Bearer {MARKER}" for seen in hub.seen if seen.method == "GET")
    assert "metadata.json" in result.stderr and "<token>" in result.stderr
    assert MARKER not in result.stdout + result.stderr
