"""Errors raised by library code. The CLI maps them to messages and exit codes; library code never exits."""

from __future__ import annotations

from .text import model_short_name


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
        example = model_short_name(model) or "model"
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
