"""nanochat-preflight: the pre-flight checklist for nanochat training runs."""

__version__ = "0.1.0"
