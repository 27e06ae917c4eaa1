"""The CTranslate2 conversion cache: where entries live, which ones are whole, and healing what runs left behind.

An entry (`<root>/<fingerprint>/`) is published by renaming a finished temporary folder, and counts as whole
only when its check file, written last, matches every file's size and the hash of its ends. A damaged entry is
renamed aside (so no other run loads it half-removed) and removed, with one warning line; the caller converts
it again. Temporary folders carry their process's host and PID, so that a later run removes those of killed
runs and never one still being written. A cache that cannot be written falls back to a private folder under
the system's temporary directory.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import re
import shutil
import socket
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from .hub import error_line

log = logging.getLogger(__name__)

CHECK_FILE = "summarize-check.json"  # written last: an entry without it (or not matching it) is not used
# Bytes hashed at each end of every file. Sizes catch truncation; the head holds model.bin's header, the tail
# the end of its last weights, and the small files (config, vocabularies) are hashed whole. Cost per load
# (bench/bench_ct2_cache.py, opus-mt's architecture, page cache warm, the 2-core machine busy): 5-22 ms for a
# 75 MB or a 296 MB model.bin alike; hashing the whole files would take 0.24-0.6 s and 1.4-2.1 s, more than
# CTranslate2's load itself (0.2-0.5 s and 1.0-1.1 s). Damage in the middle of a large model.bin is left to
# the load, whose errors heal the entry too.
CHECKED_BYTES = 1 << 20
MISSING = "missing"  # entry_problem's answer for an entry that is not there at all: nothing to heal
# A temporary folder from another machine, or from before folders were named by PID, is a leftover once this
# old: no conversion takes anywhere near a day.
STALE_AFTER_S = 24 * 3600
TEMP_PREFIX = ".converting-"
_HOST = re.sub(r"[^A-Za-z0-9.]", "_", socket.gethostname()) or "host"
_TEMP_NAME = re.compile(rf"{re.escape(TEMP_PREFIX)}(?P<host>[A-Za-z0-9._]+)-(?P<pid>\d+)-[^-]+")
_REPORTED_UNWRITABLE: set[Path] = set()  # roots already reported as unwritable by this process (one warning each)


def cache_root() -> Path:
    """`$SUMMARIZE_CACHE/ct2`, else `$XDG_CACHE_HOME/summarize/ct2` (`~/.cache/summarize/ct2`)."""
    base = os.environ.get("SUMMARIZE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "summarize"
    )
    return Path(base) / "ct2"


@dataclass(frozen=True)
class Slot:
    """A conversion's place: `entry`, whole when `temp` is None, else to be written into `temp` and published
    as `entry` (`publish`). `healing`: a damaged entry was moved aside for it."""

    entry: Path
    temp: Path | None = None
    healing: bool = False


def claim(key: str, *, model: str, role: str) -> Slot:
    """The whole entry `key` of the cache, else a temporary folder to convert into: in `cache_root()`, or, when
    that cannot be written, in a private temporary cache (one warning). UsageError when neither can."""
    root = cache_root()
    try:
        return _claim(root, key, model, role)
    except OSError as exc:
        fallback = Path(tempfile.gettempdir()) / f"summarize-ct2-{_user()}"
        try:
            _private_folder(fallback)
            if root not in _REPORTED_UNWRITABLE:
                _REPORTED_UNWRITABLE.add(root)
                log.warning("cannot write the CTranslate2 cache %s (%s): using %s instead; set SUMMARIZE_CACHE to "
                            "a writable folder", root, _why(exc), fallback)
            return _claim(fallback, key, model, role)
        except OSError as again:
            raise UsageError(
                f"cannot write the CTranslate2 cache {root} ({_why(exc)}) nor {fallback} "
                f"({_why(again)}): set SUMMARIZE_CACHE to a writable folder, or use --engine transformers"
            ) from None


def _claim(root: Path, key: str, model: str, role: str) -> Slot:
    clear_leftovers(root)
    entry = root / key
    problem = entry_problem(entry)
    if problem is None:
        return Slot(entry)
    if problem != MISSING:
        move_aside(entry, problem, model=model, role=role)
    root.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{_HOST}-{os.getpid()}-", dir=root))
    return Slot(entry, temp, healing=problem != MISSING)


def publish(temp: Path, entry: Path, *, model: str) -> None:
    """Write the check file into a finished conversion and rename it into place. When another run published the
    same entry first, theirs is used (an OSError only when that one is not whole)."""
    files = {path.relative_to(temp).as_posix(): _file_check(path)
             for path in sorted(temp.rglob("*")) if path.is_file()}
    check = {"model": model, "files": files}
    (temp / CHECK_FILE).write_text(json.dumps(check, indent=1, ensure_ascii=False), encoding="utf-8")
    try:
        temp.rename(entry)
    except OSError:
        if entry_problem(entry) is not None:
            raise


def entry_problem(entry: Path) -> str | None:
    """Why a cache entry cannot be used (MISSING when there is none), or None when it is whole."""
    if not entry.is_dir():
        return "not a folder" if entry.exists() or entry.is_symlink() else MISSING
    try:
        files = json.loads((entry / CHECK_FILE).read_bytes())["files"]
        expected = {str(name): (int(f["size"]), str(f["blake2b"])) for name, f in files.items()}
    except FileNotFoundError:
        return "incomplete: no check file"
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return "its check file is unreadable"
    if "model.bin" not in expected:
        return "its check file lists no model.bin"
    for name, (size, digest) in sorted(expected.items()):
        path = entry / name
        try:
            found = path.stat().st_size
            if found != size:
                return f"{name} has {found:,} bytes, not {size:,}"
            if _file_check(path)["blake2b"] != digest:
                return f"{name} has changed"
        except FileNotFoundError:
            return f"{name} is missing"
        except OSError as exc:
            return f"{name} cannot be read ({_why(exc)})"
    return None


def _file_check(path: Path) -> dict[str, int | str]:
    size = path.stat().st_size
    digest = hashlib.blake2b(digest_size=16)
    with path.open("rb") as f:
        digest.update(f.read(CHECKED_BYTES))
        if size > CHECKED_BYTES:
            f.seek(max(CHECKED_BYTES, size - CHECKED_BYTES))
            digest.update(f.read(CHECKED_BYTES))
    return {"size": size, "blake2b": digest.hexdigest()}


def move_aside(entry: Path, problem: str, *, model: str, role: str, inode: int | None = None) -> None:
    """Rename a damaged entry out of the way, say so in one warning line, and remove it. `inode`: move it only
    while it is still that folder (another run may have replaced it meanwhile). Another run that moved it first
    is fine; an OSError when the cache cannot be written."""
    try:
        if inode is not None and entry.stat().st_ino != inode:
            return
        aside = entry.with_name(f"{entry.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
        entry.rename(aside)
    except FileNotFoundError:
        return
    log.warning("%s model %r: the CTranslate2 conversion in %s is unusable (%s); converting it again",
                role, model, entry, problem)
    _remove(aside)


def clear_leftovers(root: Path) -> None:
    """Remove what killed runs left in the cache: temporary folders whose process is gone, and entries moved
    aside. A conversion still running, in this process or another, is never touched."""
    try:
        children = list(root.iterdir())
    except OSError:
        return  # no cache yet, or not readable: `_claim` finds out what that means
    for child in children:
        if ".damaged-" in child.name or (child.name.startswith(TEMP_PREFIX) and _abandoned(child)):
            _remove(child)


def _remove(path: Path) -> None:
    """Remove a folder or file; what cannot be removed now is left to a later run."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except OSError:
            pass


def _abandoned(temp: Path) -> bool:
    """Whether a temporary folder's conversion is over: its process is gone (this machine), or it is older than
    STALE_AFTER_S (another machine's, or a name without a PID)."""
    match = _TEMP_NAME.fullmatch(temp.name)
    if match and match["host"] == _HOST and os.name == "posix":
        return not _running(int(match["pid"]))
    try:
        return time.time() - temp.stat().st_mtime > STALE_AFTER_S
    except OSError:
        return False


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists (POSIX)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, another user's
        return True
    return True


def _private_folder(folder: Path) -> None:
    """Make `folder` (in a shared temporary directory) ours alone: an OSError when another user owns it or may
    write to it, since the models in it are loaded and run."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = folder.lstat()
    others = hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & 0o022)
    if not stat.S_ISDIR(info.st_mode) or others:
        raise PermissionError(errno.EPERM, "not a private folder of this user", str(folder))


def _why(exc: OSError) -> str:
    """What went wrong, without the paths (the message names the folder itself)."""
    return exc.strerror or error_line(exc)


def _user() -> str:
    return str(os.getuid()) if hasattr(os, "getuid") else re.sub(r"\W", "_", os.environ.get("USERNAME", "user"))
