"""`pytest checks -x` in this repository: loads the checklist's plugin (a no-op where the package is
installed, which registers it as a pytest11 entry point under the same name)."""

pytest_plugins = ["preflight.checklist.plugin"]
