"""Step 7, running it here: the run streams to the terminal and to reports/launch-<time>.log;
Ctrl+C and SIGTERM are forwarded to the whole run (its own process group, so torchrun's workers get
them too) and the launcher waits for it to finish, then exits with its exit code. A `Watch`
(watch.py) may read the output line by line and ask for the run to be stopped (SIGTERM).
"""

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path


def run_logged(argv, cwd: Path, log_path: Path, env=None, watch=None) -> int:
    """Run argv in its own process group, tee its output to log_path, forward SIGINT/SIGTERM.

    Returns the run's exit code (128 + signal number when a signal ended it, as shells report).
    A log that can no longer be written (full disk) is given up with one line; the run goes on,
    shown and watched. A program that cannot be started raises LaunchError.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab", buffering=0) as log:
        try:
            proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as exc:
            raise LaunchError(f"cannot start {argv[0]}: {exc.strerror or exc}") from None

        def forward(signum, _frame):
            try:
                os.killpg(proc.pid, signum)
            except ProcessLookupError:
                pass

        previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
        lines = _LineFeed(watch, lambda: forward(signal.SIGTERM, None))
        try:
            out = sys.stdout.buffer
            while True:
                if watch is not None and not select.select([proc.stdout], [], [], 1.0)[0]:
                    watch.tick()  # the status line also when the run is silent
                    continue
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                out.write(chunk)
                out.flush()
                if log is not None:
                    try:
                        log.write(chunk)
                    except OSError as exc:
                        log = None
                        print(f"preflight: the log {log_path} can no longer be written "
                              f"({exc.strerror or exc}); the run goes on", file=sys.stderr)
                lines.feed(chunk)
            code = proc.wait()
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
    code = 128 - code if code < 0 else code
    if watch is not None:
        lines.feed(b"\n")
        watch.end(code)
    return code


class LaunchError(Exception):
    """The run could not be started (its message is one line)."""


class _LineFeed:
    """Whole lines of the run's output to the watch; stops the run once when it asks to."""

    def __init__(self, watch, stop):
        self.watch, self.stop, self.partial, self.stopped = watch, stop, b"", False

    def feed(self, chunk: bytes) -> None:
        if self.watch is None:
            return
        *done, self.partial = (self.partial + chunk).split(b"\n")
        for raw in done:
            if self.watch.line(raw.decode("utf-8", "replace")) and not self.stopped:
                self.stopped = True
                self.stop()


def log_path_for(reports_dir: Path) -> Path:
    return Path(reports_dir) / f"launch-{time.strftime('%Y%m%d-%H%M%S')}.log"
