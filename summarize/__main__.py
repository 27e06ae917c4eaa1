"""`python -m summarize` and the `summarize` command: the CLI, Ctrl-C and SIGTERM said in one line from the start.

The CLI's own handlers (`cli._interruptible`) are in place only once typer and rich are imported, half a second
after the start on a busy machine; a Ctrl-C before that was a KeyboardInterrupt traceback from inside an import,
and a SIGTERM a silent death. Until then these handlers say it in one line; nothing has been written yet.
They are the first code of ours to run: the package's `__init__`, imported before this module, loads its names
on first use and imports nothing, and this module needs only `os`, `signal` and `signals` (which sets a handler
on no signal the caller ignores). Before them runs only Python's own start-up (12 ms in a bare venv, 30 ms with
.pth files such as an editable install's), where a Ctrl-C is Python's traceback or, in its first milliseconds,
a silent exit.
Once the CLI is imported they are handed back: a Ctrl-C typer takes while it parses the arguments is said by
`cli.main`, the run sets its own handlers, and one while typer still builds the command (10 ms) gets the line
here.
"""

from __future__ import annotations

import os
import signal

from .signals import catch


def _while_starting(signum: int, frame: object) -> None:
    name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
    os.write(2, f"interrupted by {name} while starting: nothing was done\n".encode())
    os._exit(128 + signum)  # not an exception: it would surface inside whatever module is being imported


def main(argv: list[str] | None = None) -> None:
    previous = catch({signal.SIGINT: _while_starting, signal.SIGTERM: _while_starting})
    from .cli import main as cli_main

    for signum, handler in previous.items():
        signal.signal(signum, handler)
    try:
        cli_main(argv)
    except KeyboardInterrupt:  # one neither typer's main nor the run took: typer was building the command
        _while_starting(signal.SIGINT, None)


if __name__ == "__main__":
    main()
