"""The one verdict type: every step turns its facts into Findings, and a check only settles them
(see `settle.py`)."""

from dataclasses import dataclass

STATUSES = ("ok", "warn", "fail", "skip")


@dataclass(frozen=True)
class Finding:
    status: str       # ok | warn | fail | skip
    message: str = ""
    line: int = 0     # where it applies: a line of a launch script (0: none)
    kind: str = ""    # a short machine-readable id (unknown-flag, read-prompt, ...)

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"unknown finding status {self.status!r}")


OK = Finding("ok")


def warn(message: str) -> Finding:
    return Finding("warn", message)


def fail(message: str) -> Finding:
    return Finding("fail", message)
