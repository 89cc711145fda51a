"""The checklist's pytest wiring: everything lives in the preflight package's plugin."""

pytest_plugins = ["preflight.plugin"]
