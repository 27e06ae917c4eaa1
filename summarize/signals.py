"""Signal handlers set the way a Unix tool sets them: never over a signal the caller ignores."""

from __future__ import annotations

import signal

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: this runs before the start handlers are set
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeAlias

    Handler: TypeAlias = Callable[[int, Any], Any] | int | None


def catch(handlers: dict[int, Handler]) -> dict[int, Handler]:
    """Set each signal's handler and return the ones replaced (to put back), leaving alone a signal that is
    ignored: a job a shell script starts in the background (`&`) starts with Ctrl-C ignored, so that a Ctrl-C
    meant for the script does not reach it. Off the main thread (an embedding application) nothing is set."""
    replaced: dict[int, Handler] = {}
    try:
        for signum, handler in handlers.items():
            if signal.getsignal(signum) != signal.SIG_IGN:
                replaced[signum] = signal.signal(signum, handler)
    except ValueError:  # not the main thread: its own handlers stay
        pass
    return replaced
