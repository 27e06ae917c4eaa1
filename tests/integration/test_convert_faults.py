"""The CTranslate2 conversion cache heals itself: the fault tour.

Each fault is made by hand in a copy of a cache holding the tiny translator's conversion; then the CLI runs
(`--engine ctranslate2`), as a subprocess where a damaged model.bin could crash the process, else in-process
where a fault needs monkeypatching. Every run must succeed with the same JSON as a run on the clean cache, say
what it healed in one warning line, leave no traceback and need no hand cleaning; when healing is impossible,
one error line and exit 2.

Read-only folders: root writes through file permissions, so as root a read-only cache is simulated by making
`tempfile.mkdtemp` fail in it (in-process); as any other user the folder is really made read-only.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

pytest.importorskip("ctranslate2", reason="ctranslate2 (a core dependency) does not import here")

from summarize.loading import cache as ct2_cache
from summarize.loading import load_ctranslate2
from summarize.loading.cache import CHECK_FILE, entry_problem
from tests.integration.test_cli import run_cli
from tools.tiny_models import build_marian

ROOT = Path(__file__).resolve().parents[2]


def cli_args(translator: str, seed: Path, out: Path) -> list[str]:
    return [str(seed), "--out", str(out), "--format", "json", "--quiet", "--engine", "ctranslate2", "--device", "cpu",
            "--translator", translator, "--summarizer", "extractive"]


def run_summarize(cache: Path, args: list[str], **env: str) -> subprocess.CompletedProcess:
    """The CLI in its own process (a crash there cannot take the tests down) with `cache` as SUMMARIZE_CACHE."""
    environment = {**os.environ, "SUMMARIZE_CACHE": str(cache), "PYTHONPATH": str(ROOT), "COLUMNS": "300", **env}
    return subprocess.run([sys.executable, "-m", "summarize", *args], capture_output=True, text=True,
                          env=environment, timeout=300, check=False)


def lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def entries(cache: Path) -> list[Path]:
    """The cache's entries, whole or not (no leftovers: those start with a dot or name a damaged entry)."""
    root = cache / "ct2"
    return sorted(p for p in root.iterdir() if not p.name.startswith(".") and ".damaged-" not in p.name)


def leftovers(cache: Path) -> list[str]:
    return sorted(p.name for p in (cache / "ct2").iterdir() if p.name.startswith(".") or ".damaged-" in p.name)


@pytest.fixture(scope="module")
def clean(tmp_path_factory, tiny_marian, seed_files) -> tuple[Path, bytes]:
    """(a cache holding the tiny translator's conversion, the JSON a run with it writes)."""
    cache = tmp_path_factory.mktemp("clean-cache")
    out = tmp_path_factory.mktemp("reference")
    proc = run_summarize(cache, cli_args(tiny_marian, seed_files[0], out))
    assert proc.returncode == 0 and not lines(proc.stderr), proc.stderr
    (result,) = out.glob("*.json")
    assert len(entries(cache)) == 1
    return cache, result.read_bytes()


@pytest.fixture
def cache(tmp_path, clean) -> Path:
    """A copy of the clean cache, for this test to damage."""
    copy = tmp_path / "cache"
    shutil.copytree(clean[0], copy)
    return copy


def assert_healed(cache: Path, out: Path, reference: bytes) -> None:
    """The run succeeded with the clean run's output, and the cache holds one whole entry and nothing else."""
    (result,) = out.glob("*.json")
    assert result.read_bytes() == reference
    (entry,) = entries(cache)
    assert entry_problem(entry) is None and not leftovers(cache)


def _garble_header(entry: Path) -> None:
    model = entry / "model.bin"
    data = bytearray(model.read_bytes())
    data[:16] = b"\xff" * 16  # the binary version and the spec name: same size, other bytes
    model.write_bytes(bytes(data))


DAMAGE = {
    "truncated-model": lambda entry: os.truncate(entry / "model.bin", (entry / "model.bin").stat().st_size // 2),
    "garbled-header": _garble_header,
    "vocabulary-deleted": lambda entry: [p.unlink() for p in entry.glob("*vocabulary*")],
    "config-deleted": lambda entry: (entry / "config.json").unlink(),
    "check-file-deleted": lambda entry: (entry / CHECK_FILE).unlink(),  # a conversion of an older version
}


@pytest.mark.parametrize("damage", list(DAMAGE), ids=list(DAMAGE))
def test_a_damaged_entry_is_converted_again_with_one_warning(damage, cache, clean, tiny_marian, seed_files,
                                                             tmp_path):
    (entry,) = entries(cache)
    DAMAGE[damage](entry)
    assert entry_problem(entry) is not None
    proc = run_summarize(cache, cli_args(tiny_marian, seed_files[0], tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    (warning,) = lines(proc.stderr)
    assert str(entry) in warning and "converting it again" in warning
    assert_healed(cache, tmp_path / "out", clean[1])


def variables(model_bin: Path) -> dict[str, tuple[int, int]]:
    """CTranslate2's model.bin layout (format 6): each variable's name → (offset of its data, its byte count)."""
    data, at = model_bin.read_bytes(), 4  # the binary version

    def read(fmt: str) -> tuple:
        nonlocal at
        values = struct.unpack_from(fmt, data, at)
        at += struct.calcsize(fmt)
        return values

    def string() -> str:
        nonlocal at
        (length,) = read("<H")
        at += length
        return data[at - length : at].rstrip(b"\0").decode()

    string()  # the spec's name
    read("<I")  # its revision
    found = {}
    for _ in range(read("<I")[0]):
        name = string()
        (rank,) = read("<B")
        read(f"<{rank}IB")  # the shape, the dtype
        (size,) = read("<I")
        found[name] = (at, size)
        at += size
    return found


@pytest.fixture(scope="module")
def clean_mid(tmp_path_factory, seed_files) -> tuple[str, Path, bytes]:
    """(a translator whose model.bin is over 4 MiB, a cache holding its conversion, the JSON a run writes): damage
    more than 1 MiB from either end of model.bin, which the check file of format 1 did not see."""
    model = str(build_marian(tmp_path_factory.mktemp("mid-marian"), d_model=256, layers=1, heads=4, ffn=1024,
                             model_vocab_size=8000))
    cache = tmp_path_factory.mktemp("mid-cache")
    out = tmp_path_factory.mktemp("mid-reference")
    proc = run_summarize(cache, cli_args(model, seed_files[0], out))
    assert proc.returncode == 0 and not lines(proc.stderr), proc.stderr
    (result,) = out.glob("*.json")
    return model, cache, result.read_bytes()


def _zero_weights(model_bin: Path, layout: dict[str, tuple[int, int]]) -> None:
    at, size = layout["decoder/layer_0/ffn/linear_0/weight"]
    with model_bin.open("r+b") as f:
        f.seek(at)
        f.write(bytes(size))


def _no_heads(model_bin: Path, layout: dict[str, tuple[int, int]]) -> None:
    with model_bin.open("r+b") as f:
        f.seek(layout["decoder/num_heads"][0])
        f.write(struct.pack("<h", 0))


@pytest.mark.parametrize(
    "damage", [_zero_weights, _no_heads],
    # zeroed weights load without an error (silently wrong results); a head count of 0 crashed CTranslate2 with
    # SIGFPE (rc -8, no message), at every later run
    ids=["weights-zeroed", "head-count-0"],
)
def test_damage_in_the_middle_of_a_large_model_bin_is_converted_again(damage, clean_mid, seed_files, tmp_path):
    model, clean_cache, reference = clean_mid
    cache = tmp_path / "cache"
    shutil.copytree(clean_cache, cache)
    (entry,) = entries(cache)
    model_bin = entry / "model.bin"
    layout = variables(model_bin)
    for name in ("decoder/layer_0/ffn/linear_0/weight", "decoder/num_heads"):
        assert (1 << 20) < layout[name][0] < model_bin.stat().st_size - (1 << 20) - layout[name][1], name
    assert entry_problem(entry) is None  # the copy's new stat: hashed whole once, and found whole
    damage(model_bin, layout)
    proc = run_summarize(cache, cli_args(model, seed_files[0], tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    (warning,) = lines(proc.stderr)
    assert str(entry) in warning and "model.bin has changed" in warning and "converting it again" in warning
    assert_healed(cache, tmp_path / "out", reference)


def test_a_file_is_hashed_again_only_when_its_stat_changed(cache, monkeypatch):
    from summarize.loading import cache as module

    (entry,) = entries(cache)
    hashed = []
    real = module._file_check
    monkeypatch.setattr(module, "_file_check", lambda path: (hashed.append(path.name), real(path))[1])
    assert entry_problem(entry) is None and sorted(hashed) == sorted(  # a copy: every file is new to the check
        p.name for p in entry.iterdir() if p.name != CHECK_FILE)
    hashed.clear()
    assert entry_problem(entry) is None and hashed == []  # their stat was recorded: nothing is read
    os.utime(entry / "model.bin")  # a write (or a touch) changes the ctime, which nobody can set back
    assert entry_problem(entry) is None and hashed == ["model.bin"]
    hashed.clear()
    with (entry / "model.bin").open("r+b") as f:  # one byte, same size
        f.seek(100)
        byte = f.read(1)
        f.seek(100)
        f.write(bytes([byte[0] ^ 1]))
    assert entry_problem(entry) == "model.bin has changed" and hashed == ["model.bin"]


def test_a_check_file_of_the_older_format_is_converted_again(cache, clean, tiny_marian, seed_files, tmp_path):
    (entry,) = entries(cache)
    check = json.loads((entry / CHECK_FILE).read_text())
    old = {"model": check["model"], "files": {name: {"size": f["size"], "blake2b": "0" * 32}
                                              for name, f in check["files"].items()}}
    (entry / CHECK_FILE).write_text(json.dumps(old))
    proc = run_summarize(cache, cli_args(tiny_marian, seed_files[0], tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    (warning,) = lines(proc.stderr)
    assert "older format" in warning and "converting it again" in warning
    assert_healed(cache, tmp_path / "out", clean[1])


def test_leftovers_of_killed_runs_are_removed_and_running_conversions_kept(cache, clean, tiny_marian, seed_files,
                                                                          tmp_path):
    root = cache / "ct2"
    (entry,) = entries(cache)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    space = ct2_cache.PID_SPACE
    killed = root / f".converting-{space}-{gone}-k1ll3d"  # its process has ended: a run killed mid-conversion
    old = root / ".converting-x7q2ab"  # an older version's name, without a PID: removed after a day
    running = root / f".converting-{space}-{os.getpid()}-runn1n"  # this test's process is alive: never touched
    recent = root / ".converting-r3c3nt"  # without a PID, but recent: it may be running
    aside = root / f"{entry.name}.damaged-20250101-000000-1"  # moved aside by a run killed before removing it
    for folder in (killed, old, running, recent, aside):
        folder.mkdir()
        (folder / "model.bin").write_bytes(b"partial")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    proc = run_summarize(cache, cli_args(tiny_marian, seed_files[0], tmp_path / "out"))
    assert proc.returncode == 0 and not lines(proc.stderr), proc.stderr
    assert leftovers(cache) == sorted([running.name, recent.name])
    (result,) = (tmp_path / "out").glob("*.json")
    assert result.read_bytes() == clean[1]


def test_a_cache_that_is_a_file_falls_back_to_a_temporary_cache(tmp_path, clean, tiny_marian, seed_files):
    not_a_folder = tmp_path / "cache-file"
    not_a_folder.write_text("not a folder")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    proc = run_summarize(not_a_folder, cli_args(tiny_marian, seed_files[0], tmp_path / "out"), TMPDIR=str(scratch))
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    (warning,) = lines(proc.stderr)
    assert "cannot write the CTranslate2 cache" in warning and str(not_a_folder) in warning
    assert "SUMMARIZE_CACHE" in warning
    (fallback,) = scratch.glob("summarize-ct2-*")
    (entry,) = (p for p in fallback.iterdir() if not p.name.startswith("."))
    assert entry_problem(entry) is None
    (result,) = (tmp_path / "out").glob("*.json")
    assert result.read_bytes() == clean[1]


@pytest.fixture
def read_only(monkeypatch):
    """read_only(folder): make `folder` unwritable, for real or (as root, who writes anyway) by making
    `tempfile.mkdtemp` fail in it. Yields whether the simulation is in use (then run in-process)."""
    made: list[Path] = []
    simulated = hasattr(os, "geteuid") and os.geteuid() == 0
    real_mkdtemp = tempfile.mkdtemp

    def refusing_mkdtemp(*args, dir=None, **kwargs):
        if dir is not None and any(Path(dir).is_relative_to(folder) for folder in made):
            raise PermissionError(errno.EACCES, "Permission denied", str(dir))
        return real_mkdtemp(*args, dir=dir, **kwargs)

    def make(folder: Path) -> bool:
        made.append(folder)
        if simulated:
            monkeypatch.setattr(tempfile, "mkdtemp", refusing_mkdtemp)
        else:
            for path in [folder, *folder.rglob("*")]:
                if path.is_dir():
                    path.chmod(stat.S_IRUSR | stat.S_IXUSR)
        return simulated

    yield make
    for folder in made:
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir():
                path.chmod(stat.S_IRWXU)


def test_a_read_only_cache_is_used_as_it_is_when_whole(cache, clean, tiny_marian, seed_files, tmp_path, read_only,
                                                       monkeypatch, capsys):
    before = sorted(p.relative_to(cache) for p in cache.rglob("*"))
    out = tmp_path / "out"
    if read_only(cache):
        monkeypatch.setenv("SUMMARIZE_CACHE", str(cache))
        assert run_cli(cli_args(tiny_marian, seed_files[0], out)) == 0
        assert "Traceback" not in capsys.readouterr().err
    else:
        proc = run_summarize(cache, cli_args(tiny_marian, seed_files[0], out))
        assert proc.returncode == 0 and not lines(proc.stderr), proc.stderr
    assert sorted(p.relative_to(cache) for p in cache.rglob("*")) == before
    assert_healed(cache, out, clean[1])


def test_a_read_only_empty_cache_falls_back_to_a_temporary_cache(tmp_path, clean, tiny_marian, seed_files,
                                                                 read_only, monkeypatch, capsys, caplog):
    cache = tmp_path / "cache"
    (cache / "ct2").mkdir(parents=True)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    out = tmp_path / "out"
    if read_only(cache):
        monkeypatch.setenv("SUMMARIZE_CACHE", str(cache))
        monkeypatch.setattr(tempfile, "tempdir", str(scratch))
        with caplog.at_level(logging.WARNING, logger="summarize"):
            assert run_cli(cli_args(tiny_marian, seed_files[0], out)) == 0
        assert "Traceback" not in capsys.readouterr().err
        (warning,) = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    else:
        proc = run_summarize(cache, cli_args(tiny_marian, seed_files[0], out), TMPDIR=str(scratch))
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
        (warning,) = lines(proc.stderr)
    assert "cannot write the CTranslate2 cache" in warning and str(cache / "ct2") in warning
    assert len(list(scratch.glob("summarize-ct2-*/*"))) == 1
    (result,) = out.glob("*.json")
    assert result.read_bytes() == clean[1]


def test_no_writable_cache_at_all_is_one_line_and_exit_2(tmp_path, tiny_marian, seed_files, monkeypatch, capsys):
    not_a_folder = tmp_path / "cache-file"
    not_a_folder.write_text("not a folder")
    monkeypatch.setenv("SUMMARIZE_CACHE", str(not_a_folder))
    monkeypatch.setattr(tempfile, "tempdir", str(not_a_folder))  # the temporary directory is no folder either
    assert run_cli(cli_args(tiny_marian, seed_files[0], tmp_path / "out")) == 2
    err = capsys.readouterr().err
    (line,) = lines(err)
    assert line.startswith("error: cannot write the CTranslate2 cache") and "SUMMARIZE_CACHE" in line
    assert "Traceback" not in err


def _disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def _never_loads(*args, **kwargs):
    raise RuntimeError("Variable 'decoder/embeddings/weight' has an invalid payload size")


@pytest.mark.parametrize(
    ("target", "fault", "says"),
    [("ctranslate2.converters.TransformersConverter.convert", _disk_full, "converting it again failed"),
     ("ctranslate2.Translator", _never_loads, "cannot load its conversion")],
    ids=["conversion-fails", "load-fails"],
)
def test_healing_that_fails_is_one_line_and_exit_2(target, fault, says, cache, tiny_marian, seed_files, tmp_path,
                                                   monkeypatch, capsys, caplog):
    (entry,) = entries(cache)
    if fault is _disk_full:
        DAMAGE["truncated-model"](entry)
    monkeypatch.setenv("SUMMARIZE_CACHE", str(cache))
    monkeypatch.setattr(target, fault)
    with caplog.at_level(logging.WARNING, logger="summarize"):
        assert run_cli(cli_args(tiny_marian, seed_files[0], tmp_path / "out")) == 2
    err = capsys.readouterr().err
    (line,) = lines(err)
    assert says in line and str(entry) in line and f"rm -rf {cache / 'ct2'}" in line and "Traceback" not in err
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert "converting it again" in warning  # healed once, not in a loop
    assert not leftovers(cache)


def test_an_entry_that_fails_to_load_once_is_converted_again(cache, tiny_marian, monkeypatch, caplog):
    import ctranslate2

    monkeypatch.setenv("SUMMARIZE_CACHE", str(cache))
    real, calls = ctranslate2.Translator, []

    def fails_first(*args, **kwargs):  # damage the check cannot see (in the middle of a large model.bin)
        calls.append(args[0])
        if len(calls) == 1:
            raise RuntimeError("Variable 'encoder/layer_0/ffn/linear_0/weight' has an invalid shape")
        return real(*args, **kwargs)

    monkeypatch.setattr(ctranslate2, "Translator", fails_first)
    with caplog.at_level(logging.WARNING, logger="summarize"):
        model = load_ctranslate2(tiny_marian, device="cpu")
    assert model.runtime is not None and len(calls) == 2
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert "cannot be loaded" in warning and "invalid shape" in warning
    (entry,) = entries(cache)
    assert entry_problem(entry) is None and not leftovers(cache)


def test_a_device_that_cannot_run_the_model_is_not_mistaken_for_damage(cache, tiny_marian, monkeypatch):
    import ctranslate2

    from summarize.errors import UsageError

    def no_int8(*args, **kwargs):
        raise ValueError("Requested int8 compute type, but the target device or backend do not support efficient "
                         "int8 computation.")

    monkeypatch.setenv("SUMMARIZE_CACHE", str(cache))
    monkeypatch.setattr(ctranslate2, "Translator", no_int8)
    before = entries(cache)
    with pytest.raises(UsageError, match="cannot run it on cpu in int8"):
        load_ctranslate2(tiny_marian, device="cpu")
    assert entries(cache) == before and not leftovers(cache)


def test_two_processes_converting_at_once_both_end_with_a_whole_cache(tmp_path, tiny_marian):
    cache = tmp_path / "cache"
    code = f"from summarize.loading import load_ctranslate2; load_ctranslate2({tiny_marian!r}, device='cpu')"
    env = {**os.environ, "SUMMARIZE_CACHE": str(cache), "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    errors = [proc.communicate(timeout=300)[1] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], errors
    assert not any(lines(e) for e in errors), errors
    (entry,) = entries(cache)
    assert entry_problem(entry) is None and not leftovers(cache)
