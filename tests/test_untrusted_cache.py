"""The cache as a weapon (issue 16): ``.lambdalint_cache/`` sits at a
predictable path in the repository, so a pull request can ship one. Links to
``/dev/zero``, named pipes, forged run memos ("no findings"), a cache signed
with another machine's key, entries of the wrong shape, a cache folder linked
to the home folder: every run completes, in bounded memory and time, with the
findings a run without cache gives, and at most one warning about the cache.

Each run is a child process with its address space capped (``RLIMIT_AS``) and
a timeout, so that the attacks that worked (filling memory, waiting forever
on a pipe) fail one test instead of the machine.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

import pytest

import signed
from hardening import BAD, TRACEBACK, child_env, write
from helpers import settle

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"),
                                reason="POSIX pipes and /dev/zero")

MEMORY_LIMIT = 1536 << 20
TIMEOUT_S = 60
EXPECTED = "app.py:6:5: LAM101"

# lambdalint's command line with the address space capped
RUNNER = (
    "import resource, sys\n"
    "limit = int(sys.argv.pop(1))\n"
    "try:\n"
    "    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))\n"
    "except (ValueError, OSError):\n"
    "    pass  # not enforced here (macOS): the cache's bounds still keep memory small\n"
    "sys.argv[0] = 'lambdalint'\n"
    "from lambdalint.cli import main\n"
    "main()\n"
)


class Run:
    def __init__(self, proc: subprocess.CompletedProcess) -> None:
        self.code, self.stdout, self.stderr = proc.returncode, proc.stdout, proc.stderr

    @property
    def cache_warnings(self) -> List[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("lambdalint: warning:") and "cache" in line]


def check(root: Path, cache: Optional[Path], key_dir: Path, *args: str) -> Run:
    env: Dict[str, str] = child_env({"LAMBDALINT_KEY_DIR": str(key_dir)})
    if cache is None:
        env.pop("LAMBDALINT_CACHE_DIR", None)  # the default: .lambdalint_cache in the project
    else:
        env["LAMBDALINT_CACHE_DIR"] = str(cache)
    proc = subprocess.run([sys.executable, "-c", RUNNER, str(MEMORY_LIMIT), "check", "--output-format", "concise",
                           "--quiet", "--jobs", "1", *args, "."],
                          cwd=root, capture_output=True, text=True, timeout=TIMEOUT_S, env=env)
    run = Run(proc)
    assert TRACEBACK not in run.stdout + run.stderr, run.stderr
    assert "MemoryError" not in run.stderr, run.stderr
    return run


def assert_right(run: Run) -> None:
    """The finding a run without cache reports, and at most one warning about the cache."""
    assert run.code == 1, run.stdout + run.stderr
    assert [" ".join(line.split()[:2]) for line in run.stdout.splitlines()] == [EXPECTED], run.stdout + run.stderr
    assert len(run.cache_warnings) <= 1, run.stderr


@pytest.fixture
def warm(tmp_path):
    """A project with one finding, and a cache (and key) filled by a first run."""
    root, cache, key_dir = tmp_path / "project", tmp_path / "cache", tmp_path / "key"
    write(root, {"app.py": BAD})
    settle(root)
    first = check(root, cache, key_dir)
    assert_right(first)
    assert not first.cache_warnings
    return root, cache, key_dir


def memo_files(cache: Path) -> List[Path]:
    return sorted(cache.glob("runs/*.json"))


def facts_files(cache: Path) -> List[Path]:
    return sorted(cache.glob("v*/facts/*/*.json"))


def one(paths: List[Path]) -> Path:
    assert len(paths) == 1, paths
    return paths[0]


def forget_memos(cache: Path) -> None:
    """Without a memo, a run reads the per-file entries."""
    for memo in memo_files(cache):
        memo.unlink()


def payload_of(path: Path) -> bytes:
    """An entry's bytes (after the signature line, when it has one)."""
    data = path.read_bytes()
    return signed.payload(path) if data.startswith(b"lambdalint-hmac") else data


def forge(path: Path, data: bytes, key: Optional[bytes], keep_mac: bool = False) -> None:
    """Store ``data`` as the entry at ``path``: signed with ``key``, or under
    the entry's old signature line (``keep_mac``)."""
    old = path.read_bytes()
    if keep_mac and old.startswith(b"lambdalint-hmac"):
        path.write_bytes(old.split(b"\n", 1)[0] + b"\n" + data)
    elif key is not None:
        try:
            signed.sign(path, data, key)
        except ImportError:  # a lambdalint that signs nothing
            path.write_bytes(data)
    else:
        path.write_bytes(data)


def emptied_memo(path: Path) -> bytes:
    raw = json.loads(payload_of(path))
    assert raw["result"]["diagnostics"], "the memo holds the finding"
    raw["result"]["diagnostics"] = []
    return json.dumps(raw, separators=(",", ":")).encode()


# --- files that are not files ------------------------------------------------------------------

def _facts_entry(cache: Path) -> Path:
    forget_memos(cache)
    return one(facts_files(cache))


def _scans(cache: Path) -> Path:
    forget_memos(cache)
    return one(sorted(cache.glob("v*/scans.json")))


def _memo(cache: Path) -> Path:
    return one(memo_files(cache))


def _drop_pack(cache: Path) -> None:
    """Without the findings pack, a run reads the per-handler entries."""
    for pack in cache.glob("v*/findings/pack.json"):
        pack.unlink()


def _findings_entry(cache: Path) -> Path:
    """The per-handler findings (``lambdalint.cache.findings``): read when no memo
    answers and no pack holds them."""
    forget_memos(cache)
    _drop_pack(cache)
    return one(sorted(cache.glob("v*/findings/*/*.json")))


def _findings_pack(cache: Path) -> Path:
    """Every handler's findings in one file: read when no memo answers."""
    forget_memos(cache)
    return one(sorted(cache.glob("v*/findings/pack.json")))


def _edges(cache: Path) -> Path:
    forget_memos(cache)
    return one(sorted(cache.glob("v*/edges.json")))


TARGETS = {"facts entry": _facts_entry, "scans.json": _scans, "run memo": _memo,
           "findings entry": _findings_entry, "edges.json": _edges, "findings pack": _findings_pack}


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_a_cache_file_linked_to_dev_zero_is_not_read(warm, target):
    root, cache, key_dir = warm
    path = TARGETS[target](cache)
    path.unlink()
    path.symlink_to("/dev/zero")
    assert_right(check(root, cache, key_dir))
    again = check(root, cache, key_dir)  # and what it wrote in its place reads back
    assert_right(again)
    assert not again.cache_warnings


def test_a_source_entry_linked_to_dev_zero_is_not_read(warm):
    """The text of an entry is read when a file changes, to see whether only comments did."""
    root, cache, key_dir = warm
    source = one(sorted(cache.glob("v*/sources/*/*")))
    source.unlink()
    source.symlink_to("/dev/zero")
    app = root / "app.py"
    app.write_text(app.read_text() + "# reviewed\n")
    settle(root)
    assert_right(check(root, cache, key_dir))


@pytest.mark.parametrize("target", ["scans.json", "run memo"])
def test_a_named_pipe_in_the_cache_does_not_hang_the_run(warm, target):
    root, cache, key_dir = warm
    path = TARGETS[target](cache)
    path.unlink()
    os.mkfifo(path)
    assert_right(check(root, cache, key_dir))


def test_a_huge_cache_file_is_not_read(warm):
    root, cache, key_dir = warm
    path = _scans(cache)
    with open(path, "wb") as fh:
        fh.truncate(300 << 20)  # sparse: larger than any bound, costs no disk
    assert_right(check(root, cache, key_dir))


# --- forged entries ------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["old MAC", "another key"])
def test_a_forged_memo_does_not_hide_the_finding(warm, how):
    root, cache, key_dir = warm
    memo = _memo(cache)
    forge(memo, emptied_memo(memo), signed.other_key(), keep_mac=how == "old MAC")
    run = check(root, cache, key_dir)
    assert_right(run)
    assert len(run.cache_warnings) == 1 and "did not write on this machine" in run.cache_warnings[0]


def test_a_cache_signed_on_another_machine_is_ignored(warm, tmp_path):
    """Poisoned as its own machine would have written it (the control shows the
    poison works there); with another key, not one entry is believed."""
    root, cache, key_dir = warm
    from lambdalint.index.facts import ModuleFacts, module_from_payload, module_to_json

    theirs = None
    if (key_dir / "key").exists():
        theirs = bytes.fromhex((key_dir / "key").read_text().strip())
    memo = _memo(cache)
    forge(memo, emptied_memo(memo), theirs)
    for path in facts_files(cache):
        entry = module_from_payload(payload_of(path))
        forge(path, json.dumps(module_to_json(ModuleFacts(entry.path, entry.module, entry.is_package))).encode(), theirs)
    control = check(root, cache, key_dir)
    assert control.stdout.strip() == "", "the poison works where its key is"
    forget_memos(cache)
    assert check(root, cache, key_dir).stdout.strip() == ""  # the facts entries too (and it left a memo so)

    ours = tmp_path / "our-key"
    run = check(root, cache, ours)
    assert_right(run)
    assert len(run.cache_warnings) == 1
    forget_memos(cache)
    assert_right(check(root, cache, ours))  # the facts entries it rewrote are ours now


WRONG_SHAPES = {
    "facts entry": (_facts_entry, lambda data: json.dumps({"path": 1, "functions": [None]}).encode()),
    "scans.json": (_scans, lambda data: json.dumps(
        {k: dict(v, imports=[1], chains=None) for k, v in json.loads(data).items()}).encode()),
    "run memo": (_memo, lambda data: json.dumps(dict(json.loads(data), inputs="abc")).encode()),
    "run memo (a list)": (_memo, lambda data: b"[1, 2, 3]"),
    "findings entry": (_findings_entry, lambda data: json.dumps(
        dict(json.loads(data), records=[[{"code": 1, "handlers": None}, []]])).encode()),
    "findings entry (another handler's)": (_findings_entry, lambda data: json.dumps(
        dict(json.loads(data), key="0" * 40)).encode()),
    "edges.json": (_edges, lambda data: json.dumps({k: [1, None] for k in json.loads(data)}).encode()),
    "findings pack": (_findings_pack, lambda data: json.dumps(
        dict(json.loads(data), keys={k: [[{"code": 1, "handlers": None}, []]] for k in json.loads(data)["keys"]})
    ).encode()),
    "findings pack (another handler's)": (_findings_pack, lambda data: json.dumps(
        dict(json.loads(data), keys={k: [_naming_another_handler(d) for d in v]
                                     for k, v in json.loads(data)["keys"].items()})
    ).encode()),
}


def _naming_another_handler(raw_diagnostic: list) -> list:
    """A diagnostic's JSON form (``index.jsonform``: its fields in order, the 8th
    the handlers it names) naming a handler outside its group."""
    out = list(raw_diagnostic) + [None] * max(0, 8 - len(raw_diagnostic))
    out[7] = ["someone_else"]
    return out


def emptied_findings(path: Path) -> bytes:
    raw = json.loads(payload_of(path))
    assert raw["records"], "the entry holds the finding"
    raw["records"] = []
    return json.dumps(raw, separators=(",", ":")).encode()


def emptied_pack(path: Path) -> bytes:
    raw = json.loads(payload_of(path))
    assert any(raw["keys"].values()), "the pack holds the finding"
    raw["keys"] = {k: [] for k in raw["keys"]}
    return json.dumps(raw, separators=(",", ":")).encode()


# a findings file, found (with no memo to answer, and for an entry no pack), and emptied
FORGEABLE = {"entry": (_findings_entry, emptied_findings), "pack": (_findings_pack, emptied_pack)}


@pytest.mark.parametrize("what", sorted(FORGEABLE))
@pytest.mark.parametrize("how", ["old MAC", "another key"])
def test_a_forged_findings_entry_does_not_hide_the_finding(warm, how, what):
    """A per-handler entry (or the pack of every handler's records) saying "no
    findings" is believed only when this machine signed it (the control shows
    that such an entry is used)."""
    root, cache, key_dir = warm
    find, emptied = FORGEABLE[what]
    entry = find(cache)
    ours = bytes.fromhex((key_dir / "key").read_text().strip())
    original, empty = entry.read_bytes(), emptied(entry)
    forge(entry, empty, ours)
    assert check(root, cache, key_dir).stdout.strip() == "", "the entry is what the run uses"
    assert find(cache) == entry  # no memo again, and for an entry no pack (the run wrote one)
    entry.write_bytes(original)  # its own signature line, for the old MAC
    forge(entry, empty, signed.other_key(), keep_mac=how == "old MAC")
    run = check(root, cache, key_dir)
    assert_right(run)
    assert len(run.cache_warnings) == 1 and "did not write on this machine" in run.cache_warnings[0]
    forget_memos(cache)
    assert_right(check(root, cache, key_dir))  # the entry it rewrote is right


@pytest.mark.parametrize("key", ["this machine's key", "no key"])
@pytest.mark.parametrize("target", sorted(WRONG_SHAPES))
def test_an_entry_of_the_wrong_shape_is_a_miss(warm, target, key):
    root, cache, key_dir = warm
    find, spoil = WRONG_SHAPES[target]
    path = find(cache)
    ours = bytes.fromhex((key_dir / "key").read_text().strip()) if (key_dir / "key").exists() else None
    forge(path, spoil(payload_of(path)), ours if key == "this machine's key" else None)
    run = check(root, cache, key_dir)
    assert_right(run)
    assert len(run.cache_warnings) == 1
    assert_right(check(root, cache, key_dir))


def test_many_rejected_entries_give_one_warning(tmp_path):
    root, cache, key_dir = tmp_path / "project", tmp_path / "cache", tmp_path / "key"
    libs = {f"lib{i}.py": f"X = {i}\n" for i in range(5)}
    svc = "import " + ", ".join(sorted(n[:-3] for n in libs)) + "\n\ndef handler(event, context):\n    return lib0.X\n"
    write(root, {"app.py": BAD, "svc.py": svc, **libs})
    settle(root)
    assert_right(check(root, cache, key_dir))
    forget_memos(cache)
    assert len(facts_files(cache)) == 7
    for path in facts_files(cache):
        path.write_bytes(payload_of(path))  # the signature gone
    run = check(root, cache, key_dir)
    assert_right(run)
    assert len(run.cache_warnings) == 1


# --- folders that are not folders ---------------------------------------------------------------

def test_a_cache_folder_linked_elsewhere_is_neither_written_nor_swept(tmp_path):
    """The default cache folder, shipped as a link to the home folder, whose
    ``runs/`` holds more JSON files than lambdalint keeps memos."""
    root, home, key_dir = tmp_path / "project", tmp_path / "home", tmp_path / "key"
    write(root, {"app.py": BAD})
    write(home, {f"runs/notes{i:02}.json": "{}" for i in range(40)})
    settle(home)
    before = sorted(str(p.relative_to(home)) for p in home.rglob("*"))
    (root / ".lambdalint_cache").symlink_to(home, target_is_directory=True)
    settle(root)
    runs = [check(root, None, key_dir) for _ in range(2)]
    assert sorted(str(p.relative_to(home)) for p in home.rglob("*")) == before
    for run in runs:
        assert_right(run)
        assert len(run.cache_warnings) == 1 and "symbolic link" in run.cache_warnings[0]


@pytest.mark.parametrize("sub", ["runs", "version folder"])
def test_a_cache_subfolder_linked_elsewhere_is_not_written(warm, tmp_path, sub):
    root, cache, key_dir = warm
    elsewhere = tmp_path / "elsewhere"
    write(elsewhere, {f"notes{i:02}.json": "{}" for i in range(40)})
    settle(elsewhere)
    before = sorted(p.name for p in elsewhere.iterdir())
    folder = cache / "runs" if sub == "runs" else one(sorted(cache.glob("v*")))
    forget_memos(cache)  # or the run answers from its memo, writing nothing
    shutil.rmtree(folder)
    folder.symlink_to(elsewhere, target_is_directory=True)
    for _ in range(2):
        assert_right(check(root, cache, key_dir))
    assert sorted(p.name for p in elsewhere.iterdir()) == before


def test_a_sweep_marker_linked_elsewhere_is_not_written(warm, tmp_path):
    """The sweep writes ``.swept`` in the version folder: not through a link."""
    root, cache, key_dir = warm
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(victim, (two_days_ago, two_days_ago))  # through the link, a sweep looks due
    marker = one(sorted(cache.glob("v*"))) / ".swept"
    marker.unlink()
    marker.symlink_to(victim)
    (root / "app.py").write_text(BAD + "\nVERSION = 2\n")  # a code change: the run records a memo, and sweeps
    settle(root)
    assert_right(check(root, cache, key_dir))
    assert victim.read_text() == "precious\n"


# --- the folder and the key ------------------------------------------------------------------

def test_a_new_cache_folder_is_ignored_by_git(tmp_path):
    root, key_dir = tmp_path / "project", tmp_path / "key"
    write(root, {"app.py": BAD})
    assert_right(check(root, None, key_dir))
    assert "*" in (root / ".lambdalint_cache" / ".gitignore").read_text().split()


def test_the_key_is_private_and_outside_the_repository(tmp_path):
    root, key_dir = tmp_path / "project", tmp_path / "home" / ".cache" / "lambdalint"
    write(root, {"app.py": BAD})
    assert_right(check(root, None, key_dir))
    assert stat.S_IMODE(key_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((key_dir / "key").stat().st_mode) == 0o600
    assert not list(root.rglob("key"))


def test_a_key_folder_that_cannot_be_made_means_no_cache_and_one_warning(tmp_path):
    root, blocker = tmp_path / "project", tmp_path / "blocker"
    write(root, {"app.py": BAD})
    blocker.write_text("a file where the key folder should be")
    for _ in range(2):
        run = check(root, None, blocker / "lambdalint")
        assert_right(run)
        assert len(run.cache_warnings) == 1 and "going on without it" in run.cache_warnings[0]
    assert not (root / ".lambdalint_cache").exists()


def test_a_key_inside_the_repository_is_not_used(tmp_path):
    """A repository that ships ``.cache/lambdalint/key`` (HOME pointing into the
    checkout) signs whatever it likes with it."""
    root = tmp_path / "project"
    write(root, {"app.py": BAD, ".git/HEAD": "ref: refs/heads/main\n"})
    run = check(root, None, root / ".cache" / "lambdalint")
    assert_right(run)
    assert len(run.cache_warnings) == 1 and "inside" in run.cache_warnings[0]
    assert not (root / ".cache" / "lambdalint" / "key").exists()
