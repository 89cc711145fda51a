#!/usr/bin/env python3
"""Run the nanochat pre-flight checklist; launch the chosen training only on a green run.

    python launch.py --demo                      # the built-in example, as a dry run
    python launch.py --nanochat-dir ~/nanochat   # check, choose, confirm, launch

The same as `preflight launch` where the package is installed.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from preflight.launch.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
