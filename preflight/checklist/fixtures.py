"""The fixtures every step shares: the run's settings and its summary, and progress lines.

Each step's own fixtures live in its folder (`data/fixtures.py`, `tokenizer/fixtures.py`, ...);
`checks/conftest.py` gathers them. Data flows one way: settings -> facts -> findings -> checks ->
summary. A fixture that cannot compute its fact fails with one line naming the file at fault.
"""

import time

import pytest

from preflight.checklist.plugin import SETTINGS, SUMMARY


@pytest.fixture(scope="session")
def settings(pytestconfig):
    return pytestconfig.stash[SETTINGS]


@pytest.fixture(scope="session")
def summary(pytestconfig):
    return pytestconfig.stash[SUMMARY]


def progress_writer(config, label: str):
    """Progress lines on the real terminal, also while pytest captures output."""
    capman = config.pluginmanager.getplugin("capturemanager")
    terminal = config.pluginmanager.getplugin("terminalreporter")
    state = {"last": 0.0}

    def progress(done: int, total: int, name: str):
        now = time.monotonic()
        if name == "cache" or (done < total and now - state["last"] < 0.5):
            return
        state["last"] = now
        with capman.global_and_fixture_disabled():
            terminal.write_line(f"[preflight] {label}: {done}/{total} shards ({name})")

    return progress


def terminal_say(config):
    """A function that prints a line on the real terminal, also while pytest captures output."""
    capman = config.pluginmanager.getplugin("capturemanager")
    terminal = config.pluginmanager.getplugin("terminalreporter")

    def say(text: str):
        with capman.global_and_fixture_disabled():
            terminal.write_line(text)

    return say
