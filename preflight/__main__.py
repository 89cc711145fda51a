"""`python -m preflight ...` is the `preflight` command."""

import sys

from .cli import main

sys.exit(main())
