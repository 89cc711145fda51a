"""The pytest plugin: options, ini thresholds, the summary at the end of every run, the reports.

Loaded by the top-level conftest.py. Check files stay thin: they take facts from the fixtures in
preflight/fixtures.py and assert one thing each.
"""

import warnings
from pathlib import Path

import pytest

from . import report
from .config import THRESHOLDS, build_settings, positive_int
from .summary import Summary
from .warnings import PreflightWarning

SETTINGS = pytest.StashKey()
SUMMARY = pytest.StashKey()
STRICT_FILTERS = ("error::preflight.warnings.PreflightWarning", "error::pytest.PytestConfigWarning")

pytest_plugins = ["preflight.fixtures", "preflight.hardware.fixtures"]


def pytest_addoption(parser):
    group = parser.getgroup("preflight", "nanochat pre-flight checklist")
    group.addoption("--base-dir", help="nanochat base dir (default: $NANOCHAT_BASE_DIR, else "
                                       "~/.cache/nanochat)")
    group.addoption("--nanochat-dir", help="the nanochat checkout (default: the current directory)")
    group.addoption("--gpus", type=positive_int, help="planned number of ranks (default 8, as the speedrun)")
    group.addoption("--nodes", type=positive_int, default=1,
                    help="nodes of a multi-node run; ranks = --nodes x --gpus (default 1)")
    group.addoption("--target-gpu", help="plan for this GPU model instead of probing "
                                         "(see `preflight gpus`)")
    group.addoption("--script", help="the launch script to check and run (default: the best one "
                                     "the checkout offers)")
    group.addoption("--secrets-rules", action="append", default=[],
                    help="extra secret rules in gitleaks TOML format (repeatable)")
    group.addoption("--secrets-baseline", help="file of reviewed finding fingerprints to ignore")
    group.addoption("--reports-dir", help="where summary.json and findings go (default: reports/)")
    group.addoption("--strict-warnings", action="store_true",
                    help="turn every pre-flight warning into a failure (for CI)")
    for name, (default, help_text) in THRESHOLDS.items():
        parser.addini(name, help_text, default=str(default))
    parser.addini("secrets_rules", "extra secret rule files (gitleaks TOML)", type="paths", default=[])
    parser.addini("secrets_baseline", "reviewed finding fingerprints", default="")
    parser.addini("secrets_allow_ips", "public addresses or CIDRs that are not secrets (added to "
                                       "the built-in public resolvers)", type="linelist", default=[])


def _under_rootdir(config, value):
    return value if value is None or Path(value).is_absolute() else str(config.rootpath / value)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    # Reports land in <rootdir>/reports whichever folder pytest was started from.
    for option in ("htmlpath", "xmlpath"):
        if getattr(config.option, option, None):
            setattr(config.option, option, _under_rootdir(config, getattr(config.option, option)))
    for override in config.getoption("override_ini") or ():
        name = override.partition("=")[0]
        try:
            config.getini(name)
        except ValueError:  # pytest itself would only warn, and the threshold would not apply
            raise pytest.UsageError(f"-o {override}: unknown option {name!r} (the thresholds are "
                                    f"listed in pytest.ini)") from None
    if config.getoption("--strict-warnings"):
        for spec in STRICT_FILTERS:
            config.addinivalue_line("filterwarnings", spec)
    opt = config.getoption
    baseline = opt("--secrets-baseline") or config.getini("secrets_baseline") or None
    try:
        settings = build_settings(
            base_dir=opt("--base-dir"), nanochat_dir=opt("--nanochat-dir"), gpus=opt("--gpus"),
            reports_dir=opt("--reports-dir") or config.rootpath / "reports",
            thresholds={name: config.getini(name) for name in THRESHOLDS},
            secrets_rules=tuple(Path(p) for p in [*config.getini("secrets_rules"),
                                                  *opt("--secrets-rules")]),
            secrets_baseline=Path(baseline) if baseline else None,
            secrets_allow_ips=tuple(config.getini("secrets_allow_ips")),
            target_gpu=opt("--target-gpu"), script=opt("--script"), nodes=opt("--nodes"))
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    if settings.secrets_baseline:
        from .secrets import SecretsConfigError, load_baseline
        try:
            load_baseline(settings.secrets_baseline)
        except SecretsConfigError as exc:
            raise pytest.UsageError(str(exc)) from None
    config.stash[SETTINGS] = settings
    config.stash[SUMMARY] = summary = Summary()
    summary.row("Nanochat", settings.checkout.era.label if settings.checkout.detected else
                "no checkout found", f"{settings.checkout.root}; base dir {settings.base_dir}; "
                                     f"data {settings.data_dir}")
    summary.facts["nanochat"] = dict(era=settings.checkout.era.name,
                                     checkout=str(settings.checkout.root),
                                     detected=settings.checkout.detected,
                                     base_dir=str(settings.base_dir),
                                     data_dir=str(settings.data_dir))
    config.pluginmanager.register(Recorder(config.stash[SUMMARY]), "preflight-recorder")


def pytest_report_header(config):
    settings = config.stash.get(SETTINGS, None)
    if settings is None:
        return None
    return [f"nanochat: {settings.checkout.label}",
            f"base dir: {settings.base_dir} (data: {settings.data_dir})",
            f"planned ranks: {settings.ranks}"]


class Recorder:
    """Feeds test outcomes and our warnings into the run's summary."""

    def __init__(self, summary: Summary):
        self.summary = summary
        self.rows = {}  # nodeid -> the summary row its check reports into

    def pytest_collection_modifyitems(self, items):
        for item in items:
            marker = item.get_closest_marker("summary_row")
            if marker:
                self.rows[item.nodeid] = marker.args[0]

    def pytest_deselected(self, items):
        self.summary.deselected += len(items)

    def pytest_warning_recorded(self, warning_message, nodeid):
        category = warning_message.category
        if issubclass(category, PreflightWarning):
            self.summary.warnings.append([nodeid, category.__name__, str(warning_message.message)])
            if nodeid in self.rows:
                self.summary.mark(self.rows[nodeid], "warn")

    def pytest_runtest_logreport(self, report):
        if report.failed and report.nodeid in self.rows:
            crash = getattr(report.longrepr, "reprcrash", None)
            reason = (crash.message if crash else str(report.longrepr)).strip().splitlines()
            self.summary.fail(self.rows[report.nodeid], (reason or ["failed"])[0])
        if report.when == "call" or report.outcome != "passed":
            outcome = "error" if report.when != "call" and report.failed else report.outcome
            if self.summary.outcomes.get(report.nodeid) not in ("failed", "error"):
                self.summary.outcomes[report.nodeid] = outcome


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session, exitstatus):
    summary = session.config.stash.get(SUMMARY, None)
    if summary is None:
        return
    summary.exit_status = int(exitstatus)
    summary.not_run = [item.nodeid for item in session.items if item.nodeid not in summary.outcomes]
    settings = session.config.stash[SETTINGS]
    try:
        report.write_json_atomic(settings.reports_dir / "summary.json", summary.to_json())
    except OSError as exc:
        warnings.warn(f"could not write {settings.reports_dir / 'summary.json'}: {exc}")


def pytest_terminal_summary(terminalreporter, config):
    summary = config.stash.get(SUMMARY, None)
    if summary is None or not (summary.rows or summary.outcomes):
        return
    terminalreporter.write_sep("=", "nanochat pre-flight summary")
    for line in report.terminal_lines(summary):
        terminalreporter.write_line(line)


@pytest.hookimpl(optionalhook=True)
def pytest_html_report_title(report):
    report.title = "nanochat pre-flight report"


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_summary(prefix, session):
    ours = session.config.stash.get(SUMMARY, None)
    if ours is not None:
        prefix.append(report.html_block(ours))
