"""Step 2 of the checklist: find secrets in the training text, and remove them.

`build_scanner(ScannerConfig(...)).scan_array(arr, shard, row_offset)` returns masked
findings for one Arrow string column; `write_findings` and `failure_message` report them;
`apply_baseline` drops reviewed ones; `preflight sanitize` (see `cli`) rewrites
shards with typed placeholders.
"""

from preflight.secrets.baseline import apply_baseline, load_baseline
from preflight.secrets.errors import BaselineError, RuleError, SecretsConfigError
from preflight.secrets.findings import SecretFinding, failure_message, fingerprint, mask, write_findings
from preflight.secrets.ipranges import DEFAULT_ALLOWED_IPS, SPECIAL_IPV4, SPECIAL_IPV6
from preflight.secrets.rules import RULES_VERSION
from preflight.secrets.sanitize import sanitize_text
from preflight.secrets.scanner import Scanner, ScannerConfig, build_scanner

__all__ = [
    "BaselineError", "DEFAULT_ALLOWED_IPS", "SecretFinding", "RULES_VERSION", "RuleError",
    "SPECIAL_IPV4", "SPECIAL_IPV6", "Scanner", "ScannerConfig", "SecretsConfigError",
    "apply_baseline", "build_scanner", "failure_message", "fingerprint",
    "load_baseline", "mask", "sanitize_text", "write_findings",
]
