"""Step 7, running it here: the run streams to the terminal and to reports/launch-<time>.log;
Ctrl+C and SIGTERM are forwarded to the whole run (its own process group, so torchrun's workers get
them too) and the launcher waits for it to finish, then exits with its exit code.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def run_logged(argv, cwd: Path, log_path: Path, env=None) -> int:
    """Run argv in its own process group, tee its output to log_path, forward SIGINT/SIGTERM.

    Returns the run's exit code (128 + signal number when a signal ended it, as shells report).
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab", buffering=0) as log:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)

        def forward(signum, _frame):
            try:
                os.killpg(proc.pid, signum)
            except ProcessLookupError:
                pass

        previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            out = sys.stdout.buffer
            for chunk in iter(lambda: proc.stdout.read1(65536), b""):
                out.write(chunk)
                out.flush()
                log.write(chunk)
            code = proc.wait()
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
    return 128 - code if code < 0 else code


def log_path_for(reports_dir: Path) -> Path:
    return Path(reports_dir) / f"launch-{time.strftime('%Y%m%d-%H%M%S')}.log"
