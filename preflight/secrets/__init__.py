"""Step 2 of the checklist: find secrets in the training text, and remove them.

`build_scanner(ScannerConfig(...)).scan_array(arr, shard, row_offset)` returns masked
findings for one Arrow string column; `write_findings` and `failure_message` report them;
`apply_baseline` drops reviewed ones; `preflight sanitize` (see `sanitize_cli`) rewrites
shards with typed placeholders.
"""

from .baseline import apply_baseline, load_baseline
from .errors import BaselineError, RuleError, SecretsConfigError
from .findings import Finding, failure_message, fingerprint, mask, write_findings
from .ipranges import DEFAULT_ALLOWED_IPS, SPECIAL_IPV4, SPECIAL_IPV6
from .rules import RULES_VERSION
from .sanitize import sanitize_text
from .sanitize_cli import add_sanitize_parser
from .scanner import Scanner, ScannerConfig, build_scanner

__all__ = [
    "BaselineError", "DEFAULT_ALLOWED_IPS", "Finding", "RULES_VERSION", "RuleError",
    "SPECIAL_IPV4", "SPECIAL_IPV6", "Scanner", "ScannerConfig", "SecretsConfigError",
    "add_sanitize_parser", "apply_baseline", "build_scanner", "failure_message", "fingerprint",
    "load_baseline", "mask", "sanitize_text", "write_findings",
]
