"""The output folder's safety: safe names, nothing written outside it or over an input, permissions, one writer."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import time

import pytest

from summarize.errors import OutputError, OutputLockedError
from summarize.runner.files import (
    LOCK_FILE,
    MAX_NAME_BYTES,
    OutputFolder,
    OutputLock,
    safe_name,
    write_atomic,
)
from summarize.runner.inputs import InputItem, name_items

SAFE = re.compile(r"[\w.-]+")
LONG = "x" * 500

# (id, kept as it is)
NAME_CASES = [
    ("bericht-2024_05.v2", True),
    ("Straße über Öl", False),  # spaces go; the letters stay
    ("Straße_über_Öl", True),
    ("新闻_1", True),
    ("../x", False),
    ("../../escape", False),
    ("/abs/x", False),
    ("a/b", False),
    ("a\\b", False),
    ("..", False),
    (".", False),
    ("", False),
    (".hidden", False),
    ("nul\x00byte", False),
    ("~", False),
    ("~/x", False),
    ("con", False),
    ("NUL", False),
    ("com1.txt", False),
    ("lpt9", False),
    ("index", False),  # the run's own index.html
    ("digest", False),
    ("x[/red]", False),
    ("tab\there", False),
    ("\ud800lone", False),
    (LONG, False),
    ("ä" * 60, False),  # 120 bytes of UTF-8
]


@pytest.mark.parametrize(("doc_id", "kept"), NAME_CASES, ids=[repr(c[0])[:24] for c in NAME_CASES])
def test_safe_name(doc_id, kept):
    name = safe_name(doc_id)
    assert SAFE.fullmatch(name), name
    assert not name.startswith(".") and name not in ("", ".", "..")
    assert name.split(".")[0].casefold() not in {"con", "nul", "prn", "aux", "com1", "lpt9", "index", "digest"}
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert (name == doc_id) is kept
    if not kept:
        assert re.search(r"-[0-9a-f]{10}$", name), "a changed id carries a hash of the whole id"
    assert safe_name(doc_id) == name  # the same id always gives the same name


def test_distinct_ids_never_share_a_name():
    ids = [c[0] for c in NAME_CASES] + ["a_b", "a:b", "a?b", "a*b", LONG + "y", "x" * 499, "A", "a", "Con", "CON"]
    named = list(name_items([InputItem(id=i) for i in ids]))
    names = [item.name.casefold() for item in named]  # one file on case-insensitive file systems too
    assert len(set(names)) == len(ids)
    assert [item.id for item in named[: len(NAME_CASES)]] == [c[0] for c in NAME_CASES]  # ids stay as given


def test_a_crafted_id_cannot_take_another_ids_name():
    hostile = safe_name("a/b")
    named = list(name_items([InputItem(id="a/b"), InputItem(id=hostile)]))
    assert named[0].name != named[1].name


def test_paths_that_leave_the_folder_are_refused(tmp_path):
    out, outside = tmp_path / "out", tmp_path / "outside"
    out.mkdir()
    outside.mkdir()
    (outside / "victim.json").write_text("mine")
    (out / "x.json").symlink_to(outside / "victim.json")
    (out / ".cache").symlink_to(outside)
    folder = OutputFolder.create(out, [])
    with pytest.raises(OutputError, match="outside the output folder"):
        folder.path("x.json")
    with pytest.raises(OutputError, match="outside the output folder"):
        folder.path(".cache", "k.json")
    assert folder.path("y.json") == out / "y.json"
    assert (outside / "victim.json").read_text() == "mine"


def test_input_files_are_refused_under_any_name(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<p>Hallo</p>")
    (tmp_path / "link.html").symlink_to(page)
    os.link(page, tmp_path / "hard.html")
    folder = OutputFolder.create(tmp_path, [page])
    for name in ("page.html", "link.html", "hard.html"):
        with pytest.raises(OutputError, match="input file"):
            folder.path(name)
    assert page.read_text() == "<p>Hallo</p>"


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_outputs_get_the_permissions_of_the_umask(tmp_path, umask):
    before = os.umask(umask)
    try:
        write_atomic(tmp_path / "a.json", "{}")
        plain = tmp_path / "plain.txt"
        plain.write_text("x")  # what any other program would create
    finally:
        os.umask(before)
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == stat.S_IMODE(plain.stat().st_mode) == 0o666 & ~umask


def test_write_atomic_leaves_no_half_file(tmp_path, monkeypatch):
    target = tmp_path / "a.json"
    write_atomic(target, "old")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_a_killed_runs_temp_files_are_removed_and_nothing_else(tmp_path, monkeypatch):
    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # stands in for SIGKILL between writing and renaming

    monkeypatch.setattr(os, "fsync", killed)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "a.json", "x")
    monkeypatch.undo()
    leftover = tmp_path / ".a.json.abcd_123.tmp"  # what SIGKILL would have left instead
    leftover.write_text("x")
    mine = [tmp_path / "notes.tmp", tmp_path / ".notes.tmp", tmp_path / "a.json.tmp"]
    for p in mine:
        p.write_text("the user's")
    OutputFolder.create(tmp_path, []).remove_leftovers(".cache")
    assert sorted(tmp_path.iterdir()) == sorted(mine)


def test_write_atomic_replaces_a_symlink_instead_of_following_it(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("mine")
    (tmp_path / "a.json").symlink_to(victim)
    write_atomic(tmp_path / "a.json", "new")
    assert victim.read_text() == "mine" and not (tmp_path / "a.json").is_symlink()


# --- the lock, with two processes ----------------------------------------------------------------------

HOLD = """
import sys
from summarize.runner.files import OutputLock
with OutputLock(sys.argv[1]):
    print("locked", flush=True)
    sys.stdin.read()  # until the test closes stdin (or kills this process)
"""


@pytest.fixture
def holder(tmp_path):
    """A second process that holds the lock on tmp_path/out until it is told to go (or killed)."""
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "locked"
    yield out, proc
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def cli(args: list[str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "summarize", *args, "--no-translate", "--summarizer", "extractive",
                             "--format", "json", "--quiet"], stderr=subprocess.PIPE, text=True, **kwargs)


def test_a_second_run_on_the_same_folder_exits_2_naming_the_folder_and_pid(holder, seed_files, capsys):
    from summarize.cli import main

    out, proc = holder
    with pytest.raises(OutputLockedError), OutputLock(out):
        pass
    with pytest.raises(SystemExit) as exc:
        main([str(seed_files[0]), "--out", str(out), "--no-translate", "--summarizer", "extractive", "--quiet"])
    assert exc.value.code == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and str(out) in lines[0] and f"PID {proc.pid}" in lines[0], lines
    assert not list(out.glob("*.json")), "nothing written while the other run holds the folder"


@pytest.mark.parametrize("kind", ["a file", "a link out of the folder"])
def test_an_unusable_output_folder_is_one_line_and_exit_2(tmp_path, seed_files, capsys, kind):
    from summarize.cli import main

    out = tmp_path / "out"
    if kind == "a file":
        out.write_text("not a folder")
    else:
        out.mkdir()
        (out / LOCK_FILE).symlink_to(tmp_path / "elsewhere")
    with pytest.raises(SystemExit) as exc:
        main([str(seed_files[0]), "--out", str(out), "--no-translate", "--summarizer", "extractive", "--quiet"])
    assert exc.value.code == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and f"cannot use {out} as the output folder" in lines[0], lines
    assert not (tmp_path / "elsewhere").exists()


def test_a_killed_run_leaves_no_lock_behind(holder, seed_files):
    out, proc = holder
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    run = cli([str(seed_files[0]), "--out", str(out)])
    assert run.wait(timeout=120) == 0, run.stderr.read()
    assert (out / LOCK_FILE).exists() and (out / f"{seed_files[0].stem}.json").exists()


def test_wait_waits_for_the_other_run_then_writes(holder, seed_files):
    out, proc = holder
    run = cli([str(seed_files[0]), "--out", str(out), "--wait"])
    line = run.stderr.readline()
    assert f"waiting for PID {proc.pid} to finish with {out}" in line
    time.sleep(0.5)
    assert run.poll() is None and not (out / f"{seed_files[0].stem}.json").exists()
    proc.stdin.close()  # the holder finishes
    assert run.wait(timeout=120) == 0, run.stderr.read()
    assert (out / f"{seed_files[0].stem}.json").exists()


def test_two_runs_at_once_never_interleave(tmp_path, seed_files):
    out = tmp_path / "out"
    runs = [cli([str(f) for f in seed_files] + ["--out", str(out), "--jsonl", str(tmp_path / "all.jsonl"), "--wait"])
            for _ in range(2)]
    assert [r.wait(timeout=240) for r in runs] == [0, 0]
    lines = (tmp_path / "all.jsonl").read_text().splitlines()
    assert len(lines) == len(seed_files), "each article once: the second run found the first one's results"
    assert not list(out.rglob("*.tmp"))


def test_a_signal_right_after_the_temporary_file_is_made_leaves_nothing(tmp_path, monkeypatch) -> None:
    # Ctrl-C or SIGTERM raise wherever Python is: here, the moment the temporary file exists (as a SIGTERM test
    # of the CLI once found, between mkstemp and the try that removes its file).
    real_open = os.open

    def open_then_interrupted(*args, **kwargs):
        real_open(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "open", open_then_interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "a.json", "{}")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []
