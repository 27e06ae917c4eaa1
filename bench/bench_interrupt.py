"""What a Ctrl-C in the first moments of the command prints (one line, a traceback, nothing), and when.

Each run starts `python -m summarize ARGS` (default `--version`: it ends once the CLI is imported), sends
SIGINT after a random delay (uniform in 0 to --max-ms) and sorts what the command printed, by where it landed:
- `one line`: ours (`__main__`'s "interrupted by Ctrl-C while starting", or the CLI's own);
- `traceback in Python's start-up or exit`: no frame of ours (the site import and its .pth files, runpy);
- `traceback in the package import`: a frame of the package, none of `__main__` (no handler of ours yet);
- `traceback in __main__'s own imports`: `os`, `signal` and `signals`, which it needs to set its handlers;
- `traceback in the CLI, before its own handlers`: once `__main__` has handed the handlers back (typer builds
  the command and click parses the arguments before `cli._interruptible` sets the run's handlers);
- `exit 130, nothing printed`: typer's main took it and nothing said so (before `cli.main` said it, while click
  parsed the arguments or ran `--version`);
- `silent`: killed before Python set its own SIGINT handler; `finished`: the command ended before the signal.
Then the windows, medians of --probes starts: Python's own start-up, to the first line of a `python -m`
module (no code of ours can shorten it), and `import summarize.__main__` (then `main` sets its handlers).
Each traceback is listed as its frames (file:function, innermost last; importlib's own left out).
`--root DIR` runs another checkout of the package (to compare a branch with main).

    python bench/bench_interrupt.py [--runs 200] [--max-ms 300] [--root DIR] [-- ARGS...]

Measured (the defaults, on this project's busy 2-core machine): before the package root was lazy, 23 of 200
tracebacks in the package import (signal at 28-63 ms) and 4 in typer's command build; after, none of ours.
What stays is Python's own: 13 to 16 tracebacks in the site import and runpy (signal at 8-32 ms; in the site
import Python prints "Fatal Python error: init_import_site" and the traceback, and exits 1), and silent kills
before Python sets its SIGINT handler (the first ~8 ms) or while it exits.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FRAME = re.compile(r'File "([^"]+)", line \d+, in (\S+)')


def outcome(root: Path, rc: int, err: str) -> str:
    if "Traceback" in err:
        files = [Path(file) for file, _ in FRAME.findall(err)]
        if root / "summarize" / "cli.py" in files:
            return "traceback in the CLI, before its own handlers"
        if root / "summarize" / "__main__.py" in files:
            return "traceback in __main__'s own imports"
        if any(root / "summarize" in file.parents for file in files):
            return "traceback in the package import"
        return "traceback in Python's start-up or exit"
    if rc == -signal.SIGINT:
        return "silent"
    if rc == 130 and len(err.strip().splitlines()) == 1:
        return "one line"
    if rc == 130 and not err.strip():
        return "exit 130, nothing printed"
    return "finished" if rc == 0 else f"other (rc {rc})"


def frames(err: str) -> str:
    """A traceback in one line: each frame's file and function, innermost last, then the exception."""
    shown = [f"{Path(file).name}:{function}" for file, function in FRAME.findall(err)
             if not file.startswith("<frozen importlib")]
    return " > ".join(shown) + " | " + err.strip().splitlines()[-1]


def interrupt_runs(root: Path, env: dict, args: list[str], runs: int, max_ms: float, seed: int) -> tuple[
        Counter, dict, dict]:
    draw = random.Random(seed)
    counts: Counter = Counter()
    delays: dict[str, list[float]] = {}
    shown: dict[str, list[tuple[float, str]]] = {}
    for _ in range(runs):
        delay = draw.uniform(0, max_ms)
        proc = subprocess.Popen([sys.executable, "-m", "summarize", *args], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, env=env, cwd=root)
        time.sleep(delay / 1000)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        kind = outcome(root, proc.returncode, err)
        counts[kind] += 1
        delays.setdefault(kind, []).append(delay)
        if kind.startswith(("traceback", "other")):
            shown.setdefault(kind, []).append((delay, frames(err) if "Traceback" in err else repr(err)))
    return counts, delays, shown


def median_ms(root: Path, env: dict, command: list[str], probes: int) -> float:
    """The median of what the child prints: milliseconds, as it measures them (CLOCK_MONOTONIC is shared)."""
    times = []
    for _ in range(probes):
        started = time.monotonic()
        out = subprocess.run([sys.executable, *command, str(started)], capture_output=True, text=True,
                             env=env, cwd=root, check=True).stdout
        times.append(float(out))
    return statistics.median(times)


def windows(root: Path, env: dict, probes: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "first_line.py").write_text(
            "import sys, time; print((time.monotonic() - float(sys.argv[1])) * 1000)\n", encoding="utf-8")
        probe_env = {**env, "PYTHONPATH": os.pathsep.join([env["PYTHONPATH"], folder])}
        python = median_ms(root, probe_env, ["-m", "first_line"], probes)
    timed = "import time; t = time.monotonic(); import summarize.__main__; print(1e3 * (time.monotonic()-t))"
    return python, median_ms(root, env, ["-c", timed], probes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--max-ms", type=float, default=300)
    parser.add_argument("--probes", type=int, default=30)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose package runs")
    parser.add_argument("args", nargs="*", default=["--version"])
    opts = parser.parse_args()
    root = opts.root.resolve()  # the children run there: `-m` and `-c` put their folder before PYTHONPATH
    env = {**os.environ, "PYTHONPATH": str(root)}
    counts, delays, shown = interrupt_runs(root, env, opts.args, opts.runs, opts.max_ms, opts.seed)
    print(f"{opts.runs} runs of `python -m summarize {' '.join(opts.args)}` in {root}, SIGINT after "
          f"0-{opts.max_ms:.0f} ms (seed {opts.seed}):")
    for kind, count in counts.most_common():
        print(f"  {kind:46} {count:4}   signal after {min(delays[kind]):3.0f}-{max(delays[kind]):3.0f} ms")
    python, ours = windows(root, env, opts.probes)
    print(f"windows (medians of {opts.probes} starts): Python's own start-up {python:.1f} ms, then "
          f"`import summarize.__main__` {ours:.2f} ms before the start handlers are set")
    for kind, runs in sorted(shown.items()):
        print(f"\n{kind}, by the signal's delay:")
        for delay, text in sorted(runs):
            print(f"  {delay:5.0f} ms: {text}")


if __name__ == "__main__":
    main()
