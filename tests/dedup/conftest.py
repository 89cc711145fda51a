"""Puts this folder on sys.path for `planted` (the planted corpus and its brute-force answers)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
