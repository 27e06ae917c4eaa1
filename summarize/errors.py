"""Errors raised by library code. The CLI maps them to messages and exit codes; library code never exits."""

from __future__ import annotations


class SummarizeError(Exception):
    """Base class of every error this package raises on purpose."""


class UsageError(SummarizeError):
    """Bad settings or arguments (CLI exit code 2)."""


# The CLI option that names the model of each role, for the hint in ModelNotFoundError.
MODEL_OPTIONS = {"translation": "--translator", "summarization": "--summarizer-model"}


class ModelNotFoundError(SummarizeError):
    """A model could not be loaded from a local directory, the HF cache or the hub (CLI exit code 2)."""

    def __init__(self, model: str, role: str = "model", reason: str = "") -> None:
        self.model = model
        self.role = role
        self.reason = reason
        option = MODEL_OPTIONS.get(role, "--translator / --summarizer-model")
        example = model.rstrip("/").rsplit("/", 1)[-1] or "model"
        super().__init__(
            f"{role} model {model!r} not found"
            + (f" ({reason})" if reason else "")
            + f": pass a local directory (e.g. {option} ./{example}), download it once with "
            f"internet into the Hugging Face cache (hf download {model}), "
            "and set HF_HUB_OFFLINE=1 to use only the cache"
        )


class InputError(SummarizeError):
    """One input file cannot be processed (empty, binary, too large...). Recorded per file; the run goes on."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"{name}: {reason}")


class OutputLockedError(UsageError):
    """Another run is writing the same output folder (CLI exit code 2; `--wait` waits for it instead)."""

    def __init__(self, folder: str, pid: int | None) -> None:
        self.folder = folder
        self.pid = pid
        holder = f"PID {pid}" if pid else "another process"
        super().__init__(f"{folder} is in use by another summarize run ({holder}): "
                         "let it finish, or pass --wait to wait for it")


class OutputError(InputError):
    """One article's outputs cannot be written safely (they would leave the output folder or replace an input):
    recorded for that file like an InputError; the run goes on."""


class RunStoppedError(SummarizeError):
    """A run that the machine stopped before its end (the disk is full, `errors.jsonl` cannot be written): the
    articles it finished stay written and a rerun resumes. `report` holds the outcomes so far (CLI exit 1)."""

    def __init__(self, reason: str, report: object = None) -> None:
        self.reason = reason
        self.report = report
        super().__init__(reason)


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) or SIGTERM stopped a run: the articles it finished stay written, `errors.jsonl` holds the
    failures so far, and a rerun resumes. A KeyboardInterrupt, so that no per-file `except Exception` takes it.
    `report` holds the outcomes so far (CLI exit 128 + the signal: 130, 143)."""

    def __init__(self, signum: int = 2, report: object = None) -> None:
        self.signum = signum
        self.report = report
        super().__init__(signum)
