"""Reviewed findings that must not block again: a baseline file of fingerprints.

Like `.gitleaksignore`: one fingerprint a line; `#` starts a comment, anything after the
fingerprint on its line is a free note (say who reviewed it and why).
"""

import re
from pathlib import Path

from preflight.secrets.errors import BaselineError
from preflight.secrets.findings import FINGERPRINT_CHARS

_FINGERPRINT = re.compile(rf"[0-9a-f]{{{FINGERPRINT_CHARS}}}")


def load_baseline(path):
    """The set of fingerprints in the baseline file at `path`."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise BaselineError(f"{path}: cannot read baseline file: {e.strerror}") from None
    except UnicodeDecodeError:
        raise BaselineError(f"{path}: baseline file is not UTF-8 text") from None
    fingerprints = set()
    for number, line in enumerate(lines, 1):
        token = line.split("#", 1)[0].split()
        if not token:
            continue
        if not _FINGERPRINT.fullmatch(token[0]):
            raise BaselineError(f"{path}:{number}: {token[0][:40]!r} is not a finding "
                                f"fingerprint ({FINGERPRINT_CHARS} hex characters)")
        fingerprints.add(token[0])
    return frozenset(fingerprints)


def apply_baseline(findings, baseline_path):
    """(findings not in the baseline, how many were suppressed); no path: nothing suppressed."""
    if baseline_path is None:
        return list(findings), 0
    reviewed = load_baseline(baseline_path)
    kept = [f for f in findings if f.fingerprint not in reviewed]
    return kept, len(findings) - len(kept)
