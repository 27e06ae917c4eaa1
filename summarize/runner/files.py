"""The output folder's safety: names from ids, atomic writes, nothing written outside it or over an input.

One run at a time writes it, too.

- `safe_name`: the one way an article id becomes a file name.
- `open_atomic` / `write_atomic`: a whole file or nothing, with the permissions the umask gives.
- `OutputFolder`: every path a run writes is checked here: inside the folder (no symlink leads out of it) and
  never an input file.
- `OutputLock`: one run per output folder (`flock`; the kernel drops it when the process ends, however it ends).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import stat
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..errors import OutputError, OutputLockedError, UsageError

log = logging.getLogger(__name__)

LOCK_FILE = ".summarize.lock"
# UTF-8 bytes of a name: with ".html" and the temp-file affixes (~20 bytes) far under the usual 255.
MAX_NAME_BYTES = 100
_UNSAFE = re.compile(r"[^\w.-]+")  # \w: Unicode letters and digits, and "_"
# Names Windows will not create, whatever the extension, and the run's own folder-level files.
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", "index", "digest"}
    | {f"{port}{n}" for port in ("com", "lpt") for n in (*"0123456789", "¹", "²", "³")}
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_NOFOLLOW, _CLOEXEC = getattr(os, "O_NOFOLLOW", 0), getattr(os, "O_CLOEXEC", 0)
_TEMP = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")  # open_atomic's temp files: ".<name>.<mkstemp's 8>.tmp"


def safe_name(doc_id: str) -> str:
    """The file name stem for an article id: letters (any script), digits, "-", "_" and "." are kept, anything
    else becomes "_"; never empty, never starting with a dot, never a reserved name. A changed or over-long id
    gets a hash of the whole id as a suffix, so two distinct ids never share a name."""
    name = _UNSAFE.sub("_", unicodedata.normalize("NFC", doc_id))
    if name.startswith("."):  # "..", "." and hidden files
        name = "_" + name.lstrip(".")
    if name.split(".")[0].casefold() in _RESERVED:  # Windows reserves "con" with any extension: "_con.txt"
        name = "_" + name
    name = name or "_"
    changed = name != doc_id
    if not changed and len(name.encode("utf-8")) <= MAX_NAME_BYTES:
        return name
    digest = hashlib.sha256(doc_id.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    head = name.encode("utf-8")[: MAX_NAME_BYTES - len(digest) - 1].decode("utf-8", "ignore")
    return f"{head}-{digest}"


def utf8_safe(text: str) -> str:
    """Text that can always be written as UTF-8: lone surrogates (the bytes of a file name that were not UTF-8,
    as Python decodes them, or a JSON "\\ud800" escape) become U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


# --- writing -------------------------------------------------------------------------------------------


@contextmanager
def open_atomic(path: Path, *, binary: bool = False) -> Iterator[IO[Any]]:
    """A text stream (UTF-8; bytes with `binary`) that becomes `path`, whole, when the block ends, and leaves
    nothing when it raises: a temp file in the same folder, fsync, then a rename over `path` (a symlink there is
    replaced, never followed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # The name is chosen before the file is made, inside the `try` that removes it: Ctrl-C or SIGTERM raise
    # wherever Python is, and one landing between `mkstemp` and the `try` left a temporary file behind.
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"  # what `_TEMP` matches
    fd = -1
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600)
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="\n")) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # made 0600 (as mkstemp makes them); outputs get a new file's permissions
        os.replace(tmp, path)
    except BaseException as exc:
        if fd >= 0 or not isinstance(exc, FileExistsError):  # never another writer's file of the same name
            tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write a whole file or nothing (see `open_atomic`): text as UTF-8, bytes as they are."""
    with open_atomic(path, binary=isinstance(data, bytes)) as f:
        f.write(data)


def _umask() -> int:
    """This process's umask, read without changing it where Linux allows (other threads may create files)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@dataclass(frozen=True, slots=True)
class OutputFolder:
    """The folder a run writes into, and the input files it must never replace."""

    root: Path  # as given: the paths it hands out are shown to people
    real: Path  # resolved: what they are checked against
    inputs: set[tuple[int, int]]  # (device, inode) of each input file: those given, and those read so far

    @classmethod
    def create(cls, folder: str | Path, inputs: Iterable[str | Path]) -> OutputFolder:
        root = Path(folder)
        root.mkdir(parents=True, exist_ok=True)
        created = cls(root, root.resolve(), set())
        for p in inputs:
            created.protect(p)
        return created

    def protect(self, path: str | Path) -> None:
        """Never write over `path` (an input file; a run of a stream of inputs adds each as it reads it)."""
        try:
            st = os.stat(path)
        except (OSError, ValueError):  # missing or unreadable: it fails as an input, nothing to protect
            return
        self.inputs.add((st.st_dev, st.st_ino))

    def is_input(self, path: str | Path) -> bool:
        """Whether `path` is (a link to, or another name of) an input file; by inode, so that case-insensitive
        file systems and hard links are covered too."""
        try:
            st = os.stat(path)
        except (OSError, ValueError):
            return False
        return (st.st_dev, st.st_ino) in self.inputs

    def remove_leftovers(self, *folders: str) -> None:
        """Remove the temp files of a run that was killed while writing (call it holding the lock: no other run
        is writing here) from the folder and the given subfolders."""
        for sub in ("", *folders):
            try:
                entries = list(os.scandir(self.real / sub))
            except OSError:
                continue
            for entry in entries:
                if _TEMP.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                    Path(entry.path).unlink(missing_ok=True)

    def path(self, *parts: str) -> Path:
        """`root/parts`, checked before anything is written there; OutputError if it leads out of the folder
        (through a symlink) or is an input file."""
        target = self.root.joinpath(*parts)
        real = self.real.joinpath(*parts).resolve()
        if not real.is_relative_to(self.real):
            raise OutputError(str(target), f"leads outside the output folder (a link to {real}): not written")
        if self.is_input(target):
            raise OutputError(str(target), "is an input file: not written over (choose another --out)")
        return target


# --- one run per folder ------------------------------------------------------------------------------------


class OutputLock:
    """An exclusive lock on an output folder for one run: `flock` on `<folder>/.summarize.lock`, which holds the
    holder's PID. `wait=False` raises OutputLockedError at once when another process holds it; `wait=True`
    calls `on_wait(pid)` once, then blocks until it is free. The lock file stays (removing it would let two
    runs lock two different files); the lock itself goes with the process."""

    def __init__(self, folder: str | Path, *, wait: bool = False,
                 on_wait: Callable[[int | None], None] | None = None) -> None:
        self.folder = Path(folder)
        self.wait = wait
        self.on_wait = on_wait or (lambda pid: None)
        self._fd: int | None = None

    def __enter__(self) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no flock
            log.warning("no fcntl on this platform: %s is not locked against a second run", self.folder)
            return
        path = self.folder / LOCK_FILE
        try:  # O_NOFOLLOW: a planted symlink must not make the PID land elsewhere
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666)
        except (FileExistsError, NotADirectoryError):
            blocker = next((p for p in (self.folder, *self.folder.parents) if p.exists() and not p.is_dir()),
                           self.folder)
            raise UsageError(f"cannot use {self.folder} as the output folder: {blocker} is a file, not a folder "
                             "(choose another --out)") from None
        except OSError as exc:
            raise UsageError(f"cannot use {self.folder} as the output folder: {exc.strerror or exc}") from None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pid = _holder(fd)
                if not self.wait:
                    raise OutputLockedError(str(self.folder), pid) from None
                self.on_wait(pid)
                fcntl.flock(fd, fcntl.LOCK_EX)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file drops the lock
            self._fd = None


def _holder(fd: int) -> int | None:
    """The PID the lock holder wrote (None while it has not written it yet)."""
    try:
        return int(os.pread(fd, 32, 0).decode("ascii").strip())
    except (OSError, ValueError):
        return None


def file_problem(path: Path) -> str | None:
    """Why `path` cannot be read as an article file (None: it is a regular file, or a link to one)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        if path.is_symlink():
            return f"broken symbolic link (to {utf8_safe(os.readlink(path))})"
        return "no such file"
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    if stat.S_ISDIR(mode):
        return "is a folder, not a text file"
    if not stat.S_ISREG(mode):
        return "not a regular file (a FIFO, socket or device): not read"
    if utf8_safe(str(path)) != str(path):
        return "the file name is not valid UTF-8: rename the file"
    return None
