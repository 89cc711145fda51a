"""`python -m preflight.secrets --data-dir DIR [--dry-run ...]`: the sanitizer on its own."""

import sys

from .sanitize_cli import main

sys.exit(main())
