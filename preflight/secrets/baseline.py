"""Reviewed findings that must not block again: a baseline file of fingerprints.

Like `.gitleaksignore`: one fingerprint a line; `#` starts a comment, anything after the
fingerprint on its line is a free note. `preflight scan --update-baseline FILE` writes or extends
the file with every current finding and a readable note (rule, shard, row, bytes, masked
preview; never the secret); a reviewer accepts the findings by keeping the file (and deletes the
lines of those that must be sanitized instead). The checklist, `preflight scan` and `preflight
sanitize` all honour it through `--secrets-baseline FILE`.
"""

import fcntl
import os
import re
from pathlib import Path

from preflight.secrets.errors import BaselineError
from preflight.secrets.findings import FINGERPRINT_CHARS
from preflight.util.atomic_write import write_text_atomic

_FINGERPRINT = re.compile(rf"[0-9a-f]{{{FINGERPRINT_CHARS}}}")
HEADER = ("# nanochat-preflight secrets baseline: reviewed findings, one fingerprint a line.\n"
          "# Keep a line to accept its finding; delete it to have the finding block again.\n")


def _read_lines(path):
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise BaselineError(f"{path}: cannot read baseline file: {e.strerror}") from None
    except UnicodeDecodeError:
        raise BaselineError(f"{path}: baseline file is not UTF-8 text") from None


def _fingerprints(path, lines):
    fingerprints = set()
    for number, line in enumerate(lines, 1):
        token = line.split("#", 1)[0].split()
        if not token:
            continue
        if not _FINGERPRINT.fullmatch(token[0]):
            raise BaselineError(f"{path}:{number}: {token[0][:40]!r} is not a finding "
                                f"fingerprint ({FINGERPRINT_CHARS} hex characters)")
        fingerprints.add(token[0])
    return fingerprints


def load_baseline(path):
    """The set of fingerprints in the baseline file at `path`."""
    return frozenset(_fingerprints(path, _read_lines(path)))


def apply_baseline(findings, baseline_path):
    """(findings not in the baseline, how many were suppressed); no path: nothing suppressed."""
    if baseline_path is None:
        return list(findings), 0
    reviewed = load_baseline(baseline_path)
    kept = [f for f in findings if f.fingerprint not in reviewed]
    return kept, len(findings) - len(kept)


def note(finding):
    """The readable note written after a fingerprint (no secret: the preview is masked)."""
    return (f"{finding.rule} in {finding.shard} row {finding.row} bytes "
            f"{finding.start}-{finding.end}: {finding.preview}")


def update_baseline(path, findings):
    """Add every finding not yet in the baseline file at `path` (created if missing), one line
    each with its note, keeping what is there; return how many were added. The file is locked
    while it is read and rewritten (atomically), so two scans never lose each other's lines."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = os.open(path.with_name(f".{path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        lines = _read_lines(path) if path.exists() else HEADER.splitlines()
        known = _fingerprints(path, lines)
        added = []
        for f in findings:
            if f.fingerprint not in known:
                known.add(f.fingerprint)
                added.append(f"{f.fingerprint}  # {note(f)}")
        if added or not path.exists():
            write_text_atomic(path, "\n".join(lines + added) + "\n")
        return len(added)
    finally:
        os.close(lock)
