"""The scanner engines this machine can run (Hyperscan only where the package is installed)."""

from preflight.secrets import scanner as scanner_module

ENGINES = ["hyperscan", "pyarrow"] if scanner_module.hyperscan is not None else ["pyarrow"]
