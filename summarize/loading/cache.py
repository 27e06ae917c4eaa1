"""The CTranslate2 conversion cache: where entries live, which ones are whole, and healing what runs left behind.

An entry (`<root>/<fingerprint>/`) is published by renaming a finished temporary folder, and counts as whole
only when its check file, written last, matches every file's size and SHA-256. A damaged entry is renamed aside
(so no other run loads it half-removed) and removed, with one warning line; the caller converts it again.
Temporary folders carry their process's PID (and where it is valid: host, PID namespace), so that a later run
removes those of killed runs and never one still being written. A cache that cannot be written falls back to a
private folder under the system's temporary directory.
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
from typing import Any

from ..errors import UsageError
from .hub import error_line

log = logging.getLogger(__name__)

CHECK_FILE = "summarize-check.json"  # written last: an entry without it (or not matching it) is not used
# 2: every file's whole SHA-256 and its stat (format 1 hashed only 1 MB at each end: an edited value in the middle
# of a large model.bin, such as a layer's head count, passed the check and crashed CTranslate2 with SIGFPE).
CHECK_FORMAT = 2
# A file's stat when its hash was last checked: (inode, mtime_ns, ctime_ns). While it is unchanged the file is
# not read again (git's index trusts a file the same way): any write to the file, a copy or a restore changes its
# ctime, which no user can set back, and the next load hashes it whole again. Hashing costs about 0.5 s for a
# 300 MB model.bin (sha256, the 2-core machine busy, page cache warm), as much as half of CTranslate2's load.
MISSING = "missing"  # entry_problem's answer for an entry that is not there at all: nothing to heal
# A temporary folder from another machine, or from before folders were named by PID, is a leftover once this
# old: no conversion takes anywhere near a day.
STALE_AFTER_S = 24 * 3600
TEMP_PREFIX = ".converting-"
_TEMP_NAME = re.compile(rf"{re.escape(TEMP_PREFIX)}(?P<space>[A-Za-z0-9._]+)-(?P<pid>\d+)-[^-]+")
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
    temp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{PID_SPACE}-{os.getpid()}-", dir=root))
    return Slot(entry, temp, healing=problem != MISSING)


def publish(temp: Path, entry: Path, *, model: str) -> None:
    """Write the check file into a finished conversion and rename it into place. When another run published the
    same entry first, theirs is used (an OSError only when that one is not whole)."""
    files = {path.relative_to(temp).as_posix(): _file_check(path)
             for path in sorted(temp.rglob("*")) if path.is_file()}
    _write_check(temp, model, files)
    try:
        temp.rename(entry)
    except OSError:
        if entry_problem(entry) is not None:
            raise


def entry_problem(entry: Path) -> str | None:
    """Why a cache entry cannot be used (MISSING when there is none), or None when it is whole. A file whose stat
    changed since its last check is hashed whole; when it still matches, its new stat is recorded (if the cache
    can be written), so that it is read once, not at every load."""
    if not entry.is_dir():
        return "not a folder" if entry.exists() or entry.is_symlink() else MISSING
    try:
        check = json.loads((entry / CHECK_FILE).read_bytes())
        if check.get("format") != CHECK_FORMAT:
            return "its check file is of an older format"
        files = {str(name): (int(f["size"]), str(f["sha256"]), list(f["stat"])) for name, f in check["files"].items()}
    except FileNotFoundError:
        return "incomplete: no check file"
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return "its check file is unreadable"
    if "model.bin" not in files:
        return "its check file lists no model.bin"
    rechecked = False
    for name, (size, digest, last_stat) in sorted(files.items()):
        path = entry / name
        try:
            info = path.stat()
            if info.st_size != size:
                return f"{name} has {info.st_size:,} bytes, not {size:,}"
            if _stat_of(info) != last_stat:
                found = _file_check(path)
                if found["sha256"] != digest:
                    return f"{name} has changed"
                files[name] = (size, digest, found["stat"])
                rechecked = True
        except FileNotFoundError:
            return f"{name} is missing"
        except OSError as exc:
            return f"{name} cannot be read ({_why(exc)})"
    if rechecked:
        try:
            _write_check(entry, str(check.get("model", "")),
                         {name: {"size": size, "sha256": digest, "stat": st} for name, (size, digest, st) in files.items()})
        except OSError:
            pass  # a read-only cache: checked whole again at the next load
    return None


def _file_check(path: Path) -> dict[str, Any]:
    """A file's size, SHA-256 and stat (taken before reading: a write during the hash changes it again)."""
    info = path.stat()
    digest = hashlib.sha256()
    with path.open("rb") as f:  # hashlib.file_digest is Python 3.11+; the package runs on 3.10
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return {"size": info.st_size, "sha256": digest.hexdigest(), "stat": _stat_of(info)}


def _stat_of(info: os.stat_result) -> list[int]:
    return [info.st_ino, info.st_mtime_ns, info.st_ctime_ns]


def _write_check(folder: Path, model: str, files: dict[str, dict[str, Any]]) -> None:
    """Write (or replace, atomically) a folder's check file."""
    text = json.dumps({"format": CHECK_FORMAT, "model": model, "files": files}, indent=1, ensure_ascii=False)
    temp = folder / f"{CHECK_FILE}.{os.getpid()}.tmp"
    try:
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, folder / CHECK_FILE)
    finally:
        temp.unlink(missing_ok=True)


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
    """Whether a temporary folder's conversion is over: its process is gone (one of this PID space), or it is
    older than STALE_AFTER_S (another machine's or container's, or a name without a PID)."""
    match = _TEMP_NAME.fullmatch(temp.name)
    if match and match["space"] == PID_SPACE and os.name == "posix":
        return not _running(int(match["pid"]))
    try:
        return time.time() - temp.stat().st_mtime > STALE_AFTER_S
    except OSError:
        return False


def _pid_space() -> str:
    """Where this process's PID means something: the host name and, on Linux, the PID namespace (containers
    that share a host name and a cache folder have PIDs of their own)."""
    space = re.sub(r"[^A-Za-z0-9]", "_", socket.gethostname()) or "host"
    try:
        return f"{space}.{os.stat('/proc/self/ns/pid').st_ino}"
    except OSError:
        return space


PID_SPACE = _pid_space()


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
