"""The pytest plugin: options, ini thresholds, the summary at the end of every run, the reports.

Installed as a `pytest11` entry point (and loaded by the repository's conftest.py), so it is
present in every pytest run of the environment; it only acts when the run collects the checklist
(`preflight/checks`, or the repository's `checks/` link to it). Check files stay thin: each step's
fixtures (gathered by checks/conftest.py) compute the facts, each check settles one Finding.
"""

import contextlib
import html
import importlib.util
import os
import sys
from pathlib import Path

import pytest

from preflight.checklist import report
from preflight.checklist.run import CHECKS_DIR, RUN_ID
from preflight.checklist.summary import Summary
from preflight.checklist.warnings import PreflightWarning
from preflight.config import THRESHOLDS, add_options, build_settings
from preflight.data.shards import list_shards
from preflight.data.workers import start_early
from preflight.util.lock import FolderLocked, folder_lock

SETTINGS = pytest.StashKey()
SUMMARY = pytest.StashKey()
REPORTS_LOCK = pytest.StashKey()
STRICT_FILTERS = ("error::preflight.checklist.warnings.PreflightWarning",
                  "error::pytest.PytestConfigWarning")


def pytest_addoption(parser):
    group = parser.getgroup("preflight", "nanochat pre-flight checklist")
    add_options(group.addoption, "check")
    for name, (default, help_text) in THRESHOLDS.items():
        parser.addini(name, help_text, default=str(default))
    parser.addini("secrets_rules", "extra secret rule files (gitleaks TOML)", type="paths", default=[])
    parser.addini("secrets_baseline", "reviewed finding fingerprints", default="")
    parser.addini("secrets_allow_ips", "public addresses or CIDRs that are not secrets (added to "
                                       "the built-in public resolvers)", type="linelist", default=[])


def _target_path(config, arg: str):
    """The file or folder a command-line argument points at (a path, or a --pyargs module)."""
    target = arg.split("::")[0]
    if config.option.pyargs:
        try:
            spec = importlib.util.find_spec(target)
        except (ImportError, ValueError):
            spec = None
        if spec is not None and spec.origin:
            origin = Path(spec.origin)
            return origin.parent if origin.name == "__init__.py" else origin
    return (config.invocation_params.dir / target).resolve()


def is_checklist_run(config) -> bool:
    """Does this run collect the checklist's checks (all or some of them)?"""
    for arg in config.args:
        path = _target_path(config, arg)
        if path == CHECKS_DIR or CHECKS_DIR in path.parents or path in CHECKS_DIR.parents:
            return True
    return False


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    config.addinivalue_line("markers", "summary_row(name): the summary table row a check "
                                       "reports into")
    if not is_checklist_run(config):
        return
    for override in config.getoption("override_ini") or ():
        name = override.partition("=")[0]
        try:
            config.getini(name)
        except ValueError:  # pytest itself would only warn, and the threshold would not apply
            raise pytest.UsageError(f"-o {override}: unknown option {name!r} (the thresholds are "
                                    f"listed in pytest.ini)") from None
    if config.getoption("strict_warnings"):
        for spec in STRICT_FILTERS:
            config.addinivalue_line("filterwarnings", spec)
    settings = _settings(config)
    config.stash[REPORTS_LOCK] = _hold_reports_dir(settings.reports_dir)
    # The reports follow --reports-dir unless --html / --junitxml say otherwise.
    if not getattr(config.option, "htmlpath", None) and config.pluginmanager.hasplugin("html"):
        config.option.htmlpath = str(settings.reports_dir / "report.html")
    if getattr(config.option, "htmlpath", None):
        config.option.self_contained_html = True
    if not config.option.xmlpath:
        config.option.xmlpath = str(settings.reports_dir / "junit.xml")
    config.stash[SETTINGS] = settings
    if not config.option.collectonly:
        with contextlib.suppress(OSError):  # Step 1 names a data folder it cannot read
            start_early(list_shards(settings.data_dir))  # the pass's workers boot during collection
        from preflight.secrets.scanner import build_scanner_soon
        build_scanner_soon(settings)  # and its rules compile
    config.stash[SUMMARY] = summary = Summary(run_id=os.environ.get(RUN_ID))
    summary.row("Nanochat", settings.checkout.era.label if settings.checkout.detected else
                "no checkout found", f"{settings.checkout.root}; base dir {settings.base_dir}; "
                                     f"data {settings.data_dir}")
    summary.facts["nanochat"] = dict(era=settings.checkout.era.name,
                                     checkout=str(settings.checkout.root),
                                     detected=settings.checkout.detected,
                                     base_dir=str(settings.base_dir),
                                     data_dir=str(settings.data_dir))
    config.pluginmanager.register(Recorder(summary), "preflight-recorder")


def _hold_reports_dir(folder: Path) -> contextlib.ExitStack:
    """The reports folder, created and locked until the run ends (two runs writing one folder
    would mix their reports); a folder that cannot be written is a usage error, in one line."""
    held = contextlib.ExitStack()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        held.enter_context(folder_lock(folder, "the checklist", doing="being written"))
    except FolderLocked as exc:
        raise pytest.UsageError(f"{exc}, or pass --reports-dir DIR") from None
    except OSError as exc:
        raise pytest.UsageError(f"cannot write the reports to {folder}: {exc.strerror or exc}; "
                                f"pass --reports-dir DIR with a folder you can write") from None
    return held


def pytest_unconfigure(config):
    held = config.stash.get(REPORTS_LOCK, None)
    if held is not None:
        held.close()


def _settings(config):
    """The run's Settings from the options and the ini; a bad value is a usage error (one line)."""
    opt = config.getoption
    baseline = opt("secrets_baseline") or config.getini("secrets_baseline") or None
    reports_dir = opt("reports_dir")
    try:
        settings = build_settings(
            base_dir=opt("base_dir"), nanochat_dir=opt("nanochat_dir"), gpus=opt("gpus"),
            nodes=opt("nodes"), reports_dir=Path(reports_dir).resolve() if reports_dir else None,
            thresholds={name: config.getini(name) for name in THRESHOLDS},
            secrets_rules=tuple(Path(p) for p in [*config.getini("secrets_rules"),
                                                  *(opt("secrets_rules") or ())]),
            secrets_baseline=Path(baseline) if baseline else None,
            secrets_allow_ips=tuple([*config.getini("secrets_allow_ips"),
                                     *(opt("secrets_allow_ip") or ())]),
            target_gpu=opt("target_gpu"), script=opt("script"),
            gpu_hour_price=opt("gpu_hour_price"), probe=opt("probe"),
            probe_steps=opt("probe_steps"), probe_timeout=opt("probe_timeout"))
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    if settings.secrets_baseline:
        from preflight.secrets import SecretsConfigError, load_baseline
        try:
            load_baseline(settings.secrets_baseline)
        except SecretsConfigError as exc:
            raise pytest.UsageError(str(exc)) from None
    return settings


def pytest_report_header(config):
    settings = config.stash.get(SETTINGS, None)
    if settings is None:
        return None
    return [f"nanochat: {settings.checkout.label}",
            f"base dir: {settings.base_dir} (data: {settings.data_dir})",
            f"reports: {settings.reports_dir}"]


def failure_reason(report) -> str:
    """A failed check's reason as one line: the message without pytest's prefixes and layout."""
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash else str(report.longrepr)
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return "failed"
    first = lines[0]
    for prefix in ("Failed: ", "AssertionError: "):
        first = first.removeprefix(prefix)
    rest = [line for line in lines[1:] if not line.startswith(("assert ", "+ where", "+  "))]
    return " ".join([first, "; ".join(rest)]) if rest else first


def skip_reason(report) -> str:
    """A skipped check's reason as a sentence, "" when none was given (pytest keeps it as (file,
    line, 'Skipped: …'), and a skip with an empty reason as 'Skipped' alone)."""
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return "" if text == "Skipped" else text.removeprefix("Skipped: ")


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
        self.summary.collected = [item.nodeid for item in items]

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
            self.summary.fail(self.rows[report.nodeid], failure_reason(report))
        if report.skipped and report.when in ("setup", "call"):
            self.summary.skipped[report.nodeid] = skip_reason(report)
        if report.when == "call" or report.outcome != "passed":
            outcome = "error" if report.when != "call" and report.failed else report.outcome
            if self.summary.outcomes.get(report.nodeid) not in ("failed", "error"):
                self.summary.outcomes[report.nodeid] = outcome


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session, exitstatus):
    """summary.json first, then the other reports (JUnit, HTML). Reports that cannot be written
    (a full or read-only disk) end the run with one line and pytest's internal-error status,
    never a traceback: a run without its reports is not green."""
    summary = session.config.stash.get(SUMMARY, None)
    if summary is None:
        return (yield)
    folder = session.config.stash[SETTINGS].reports_dir
    summary.exit_status = int(exitstatus)
    summary.not_run = [item.nodeid for item in session.items if item.nodeid not in summary.outcomes]
    failed = None
    try:
        report.write_summary(folder, summary)
    except OSError as exc:
        failed = exc
    try:
        result = yield
    except OSError as exc:
        failed, result = exc, None
    if failed is not None:
        where = f"{failed.filename}: " if failed.filename else ""
        sys.stderr.write(f"\npreflight: could not write the reports to {folder}: {where}"
                         f"{failed.strerror or failed}\n")
        session.exitstatus = pytest.ExitCode.INTERNAL_ERROR
    return result


def pytest_terminal_summary(terminalreporter, config):
    summary = config.stash.get(SUMMARY, None)
    if summary is None or not (summary.rows or summary.outcomes) or config.option.collectonly:
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


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_html(report, data):
    """A skipped check's log shows its reason as a sentence, not pytest's raw tuple."""
    if report.skipped and isinstance(report.longrepr, tuple):
        data[:] = [f'<div class="skip-reason">{html.escape(skip_reason(report))}</div>']
