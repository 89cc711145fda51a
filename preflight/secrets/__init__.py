"""Step 2 of the checklist: find secrets in the training text, and remove them.

`build_scanner(ScannerConfig(...)).scan_array(arr, shard, row_offset)` returns masked
findings for one Arrow string column; `findings` reports them, `baseline` drops reviewed ones,
`sanitize` (and `preflight sanitize`, see `cli`) rewrites shards with typed placeholders.
The names below are imported on first use, so that importing `preflight.secrets.errors` (the
command line does) loads no scanner.
"""

import importlib

_HOME = {
    "apply_baseline": "baseline", "load_baseline": "baseline",
    "BaselineError": "errors", "RuleError": "errors", "SecretsConfigError": "errors",
    "SecretFinding": "findings", "failure_message": "findings", "fingerprint": "findings",
    "mask": "findings", "write_findings": "findings",
    "DEFAULT_ALLOWED_IPS": "ipranges", "ScannerConfig": "scanner", "build_scanner": "scanner",
}
__all__ = sorted(_HOME)


def __getattr__(name):
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
