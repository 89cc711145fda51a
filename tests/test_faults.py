"""Fault injection: kill -9 at random moments, concurrent writers, read-only and full disks, and
leak greps over the cache, the reports and the terminal at every verbosity.

Everything is real: processes, signals, file locks, and filesystems (a small tmpfs where this
machine lets us mount one; `ulimit -f` or file modes where it does not). Random moments come from
an unseeded generator: every assertion holds whatever the moment.
"""

import contextlib
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from preflight.data.shard_writer import write_shard
from preflight.secrets import ScannerConfig, build_scanner
from preflight.secrets.sanitize import run_sanitize
from preflight.util.atomic_write import stale_temps
from preflight.util.cache import JsonCache
from preflight.util.lock import LOCK_NAME
from workspaces import ROOT, Workspace

sys.path.insert(0, str(Path(__file__).parent / "secrets"))
from iac_text import planted_documents  # noqa: E402

SECRETS = ("AKIA" + "Q3EGRJ5XMPL7WZ2T", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8Hs9xKpL",
           "ghp_" + "aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5")
# document text no rule flags: sampled and cached as any clean text, but never printed
MARKER = "internal-codename-bluefinch-7741"
LOCKED = "by another process (pid and command: {pid} "
SHARDS, DOCS = 4, 700

# ----------------------------------------------------------------------------------------------
# helpers: processes, workspaces, filesystems


def _env(ws: Workspace, **extra) -> dict:
    env = dict(os.environ, PREFLIGHT_CACHE_DIR=str(ws.root / "cache"))
    env.update(extra)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    env.pop("NANOCHAT_BASE_DIR", None)
    return env


def _checklist(ws: Workspace, *args, reports: Path = None) -> list:
    """The checklist as `pytest checks`, without the `-x` and `-q` the launcher adds."""
    return [sys.executable, "-m", "pytest", str(ROOT / "checks"), "-p", "no:randomly",
            "-p", "no:cacheprovider", f"--rootdir={ROOT}", "-c", str(ROOT / "pytest.ini"),
            f"--base-dir={ws.base}", f"--nanochat-dir={ws.checkout}", "--gpus=2",
            f"--reports-dir={reports or ws.root / 'reports'}", *args]


def _run(cmd, env, cwd=ROOT, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=300, **kw)


def _wait_for(predicate, proc=None, timeout=120):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        assert proc is None or proc.poll() is None, proc.communicate()[0]
        time.sleep(0.01)


def _holds_lock(folder: Path, pid: int) -> bool:
    try:
        return (folder / LOCK_NAME).read_text().startswith(f"{pid} ")
    except OSError:
        return False


def _copy(ws: Workspace, dest: Path) -> Workspace:
    shutil.copytree(ws.root, dest, ignore=shutil.ignore_patterns("cache", "reports"))
    return Workspace(dest)


def _plant(ws: Workspace) -> Workspace:
    """Secrets, and the marker, in leading documents of row groups: those the pass samples."""
    for path in ws.shards():
        docs = pq.read_table(path).column("text").to_pylist()
        docs[0] = (f'aws_access_key_id = "{SECRETS[0]}"\naws_secret_access_key = "{SECRETS[1]}"\n'
                   + docs[0])
        docs[64] = f"GITHUB_TOKEN={SECRETS[2]}\n" + docs[64]
        docs[1] = f"# {MARKER}\n" + docs[1]
        write_shard(path, docs, row_group_size=64)
    return ws


def _leaks(texts=(), folders=(), needles=SECRETS) -> list:
    """(where, needle) for every needle found in the texts or in any file of the folders."""
    found = [(f"output {i}", s) for i, text in enumerate(texts) for s in needles if s in text]
    for folder in folders:
        for path in Path(folder).rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                found += [(str(path), s) for s in needles if s.encode() in data]
    return found


def _mount(path: Path, size: str) -> bool:
    """A tmpfs of `size` at `path` (False where this machine does not allow mounting)."""
    path.mkdir(parents=True, exist_ok=True)
    try:
        return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                              capture_output=True).returncode == 0
    except OSError:
        return False


@contextlib.contextmanager
def _small_disk(path: Path, size: str = "1m"):
    mounted = _mount(path, size)
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _fill(folder: Path, spare: int = 0) -> None:
    """Write into `folder` until its filesystem is full, then free `spare` bytes (a lock file's
    line fits in one page; no report or shard does)."""
    with open(folder / "filler", "wb", buffering=0) as f:
        with contextlib.suppress(OSError):
            while True:
                f.write(b"\0" * 4096)
        f.truncate(max(0, f.tell() - spare))


def _read_only(path: Path, mounted: bool) -> None:
    """Make `path` (a tmpfs when mounted) read-only; skip where this machine cannot."""
    if mounted and subprocess.run(["mount", "-o", "remount,ro", str(path)],
                                  capture_output=True).returncode == 0:
        return
    if os.geteuid() == 0:
        pytest.skip("no tmpfs to mount read-only, and file modes do not stop root")
    subprocess.run(["chmod", "-R", "a-w", str(path)], check=True)


def _file_size_limit(limit: int):
    """preexec_fn: `ulimit -f` (writes beyond `limit` bytes fail with EFBIG; Python ignores
    SIGXFSZ), for machines where no tmpfs can be mounted."""
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def _one_line(output: str) -> str:
    lines = [line for line in output.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in output, output
    return lines[0]

# ----------------------------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="module")
def leaky_template(green_template, tmp_path_factory) -> Workspace:
    return _plant(_copy(green_template, tmp_path_factory.mktemp("leaky") / "ws"))


@pytest.fixture
def leaky(leaky_template, tmp_path) -> Workspace:
    return _copy(leaky_template, tmp_path / "leaky")


@pytest.fixture(scope="module")
def shards_to_sanitize(tmp_path_factory):
    """(folder of shards with planted secrets, the same after one sanitize run in this process)."""
    base = tmp_path_factory.mktemp("sanitize")
    src, expected = base / "src", base / "expected"
    src.mkdir()
    docs, _ = planted_documents(SHARDS * DOCS, seed=11, rate=0.2)
    for k in range(SHARDS):
        pq.write_table(pa.table({"text": docs[k * DOCS:(k + 1) * DOCS]}),
                       src / f"shard_{k:05d}.parquet", row_group_size=128, compression="zstd")
    shutil.copytree(src, expected)
    assert run_sanitize(expected, build_scanner(ScannerConfig()), no_backup=True,
                        audit_log=base / "audit.jsonl", out=lambda _: None) == 0
    return src, expected


def _sanitizer(folder: Path, tmp_path: Path, *extra) -> subprocess.Popen:
    name = f"{time.monotonic_ns()}"
    env = dict(os.environ, PREFLIGHT_CACHE_DIR=str(tmp_path / "cache"))
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return subprocess.Popen([sys.executable, "-m", "preflight", "sanitize", "--data-dir",
                             str(folder), "--no-backup", "--audit-log",
                             str(tmp_path / f"audit-{name}.jsonl"),
                             f"--reports-dir={tmp_path / 'reports'}", *extra],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _shard_bytes(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.parquet"))}


def _texts(path: Path) -> list:
    return pq.read_table(path).column("text").to_pylist()

# ----------------------------------------------------------------------------------------------
# concurrent writers


def test_parallel_sanitizers_end_in_the_single_run_result_byte_for_byte(shards_to_sanitize,
                                                                        tmp_path):
    src, expected = shards_to_sanitize
    # A sanitizer that holds the lock, stopped there: every other one must give up at once.
    held = tmp_path / "held"
    shutil.copytree(src, held)
    holder = _sanitizer(held, tmp_path)
    _wait_for(lambda: _holds_lock(held, holder.pid), holder)
    holder.send_signal(signal.SIGSTOP)
    try:
        losers = [_sanitizer(held, tmp_path) for _ in range(3)]
        for loser in losers:
            out, _ = loser.communicate(timeout=120)
            assert loser.returncode == 2 and LOCKED.format(pid=holder.pid) in _one_line(out), out
    finally:
        holder.send_signal(signal.SIGCONT)
    assert holder.wait(timeout=120) == 0, holder.communicate()[0]
    # A free race: whoever wins, the others give up or find nothing left to do.
    raced = tmp_path / "raced"
    shutil.copytree(src, raced)
    racers = [_sanitizer(raced, tmp_path) for _ in range(4)]
    for racer in racers:
        out, _ = racer.communicate(timeout=120)
        assert racer.returncode == 0 or (racer.returncode == 2 and "by another process (pid and "
                                         "command: " in _one_line(out)), out
    for folder in (held, raced):
        assert _shard_bytes(folder) == _shard_bytes(expected)
        assert not stale_temps(folder)


def test_two_checklists_never_mix_their_reports(leaky, workspace, tmp_path):
    reports = tmp_path / "shared-reports"
    first = subprocess.Popen(_checklist(leaky, "-x", "-q", reports=reports), env=_env(leaky),
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    _wait_for(lambda: _holds_lock(reports, first.pid), first)
    first.send_signal(signal.SIGSTOP)
    try:
        second = _run(_checklist(workspace, "-x", "-q", reports=reports), _env(workspace))
        scan = _run([sys.executable, "-m", "preflight", "scan", f"--base-dir={workspace.base}",
                     f"--nanochat-dir={workspace.checkout}", f"--reports-dir={reports}"],
                    _env(workspace))
    finally:
        first.send_signal(signal.SIGCONT)
    out, _ = first.communicate(timeout=300)
    assert second.returncode == 4, second.stdout + second.stderr
    assert LOCKED.format(pid=first.pid) in _one_line(second.stdout + second.stderr)
    assert scan.returncode == 2 and LOCKED.format(pid=first.pid) in scan.stderr, scan.stderr
    assert first.returncode == 1, out
    summary = json.loads((reports / "summary.json").read_text())
    findings = (reports / "findings.jsonl").read_text().splitlines()
    assert summary["facts"]["nanochat"]["base_dir"] == str(leaky.base)
    assert summary["facts"]["secrets"]["findings"] == len(findings) == 3 * len(leaky.shards())

# ----------------------------------------------------------------------------------------------
# kill -9 at random moments


def test_sanitize_killed_at_random_moments(shards_to_sanitize, tmp_path):
    src, expected = shards_to_sanitize
    rng = random.Random()
    for trial in range(3):
        work = tmp_path / f"trial{trial}"
        shutil.copytree(src, work)
        proc = _sanitizer(work, tmp_path)
        time.sleep(rng.uniform(0.2, 1.6))
        proc.kill()
        proc.wait()
        for name in _shard_bytes(src):  # readable, and wholly old or wholly new
            assert _texts(work / name) in (_texts(src / name), _texts(expected / name)), name
        rerun = _sanitizer(work, tmp_path)
        assert rerun.wait(timeout=120) == 0, rerun.communicate()[0]
        assert _shard_bytes(work) == _shard_bytes(expected) and not stale_temps(work)


def _facts(run_dir: Path) -> dict:
    """What a run learned, less what differs between runs (cache hits, report paths)."""
    facts = json.loads((run_dir / "summary.json").read_text())["facts"]
    facts["dataset"].pop("cached_shards")
    facts["secrets"] = {k: facts["secrets"][k] for k in ("findings", "baseline_suppressed")}
    return {k: facts[k] for k in ("dataset", "secrets", "tokenizer", "sizing")}


def test_checklist_killed_at_random_moments_leaves_a_cache_that_tells_the_truth(workspace,
                                                                                 tmp_path):
    """Killed while it writes its cache, on a full disk or not: the next run knows no less."""
    with _small_disk(tmp_path / "full-cache", "256k") as mounted:
        if mounted:
            _fill(tmp_path / "full-cache")
        env = _env(workspace, PREFLIGHT_CACHE_DIR=str(tmp_path / "full-cache" / "c"))
        reference = _run(_checklist(workspace, "-x", "-q", reports=tmp_path / "ref"), env)
        assert reference.returncode == 0, reference.stdout + reference.stderr
    rng = random.Random()
    for _ in range(2):
        proc = subprocess.Popen(_checklist(workspace, "-x", "-q", reports=tmp_path / "killed"),
                                env=_env(workspace), cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.5, 3.5))  # from start-up to the last cache write
        proc.kill()
        proc.wait()
    cache = workspace.root / "cache"
    for entry in cache.rglob("*.json"):  # a kill leaves temporary files, never a partial entry
        assert JsonCache(entry.parent.parent).get(entry.stem, entry.parent.name) is not None
    warm = _run(_checklist(workspace, "-x", "-q", reports=tmp_path / "warm"), _env(workspace))
    assert warm.returncode == 0, warm.stdout + warm.stderr
    assert _facts(tmp_path / "warm") == _facts(tmp_path / "ref")


def test_a_shard_corrupted_in_place_with_its_mtime_restored_is_red_when_warm(workspace, tmp_path):
    assert _run(_checklist(workspace, "-x", "-q"), _env(workspace)).returncode == 0
    path = workspace.shards()[1]
    st = path.stat()
    column = pq.ParquetFile(path).metadata.row_group(2).column(0)
    with open(path, "r+b") as f:
        f.seek(column.data_page_offset + column.total_compressed_size // 2)
        f.write(bytes(64))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    warm = _run(_checklist(workspace, "-x", "-q"), _env(workspace))
    assert warm.returncode == 1 and "shard_00001.parquet: row group 2" in warm.stdout, warm.stdout


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree in /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "term"])
def test_no_worker_outlives_the_data_pass(tmp_path, sig):
    """Workers stuck on a shard that never answers (a FIFO, like a hung network mount)."""
    for i in range(2):
        write_shard(tmp_path / f"shard_0000{i}.parquet", [f"doc {j}" for j in range(100)])
    os.mkfifo(tmp_path / "shard_00002.parquet")
    script = ("import sys\nfrom pathlib import Path\nfrom preflight.data.datapass import run_pass\n"
              "if __name__ == '__main__':\n"
              "    run_pass(sorted(Path(sys.argv[1]).glob('*.parquet')), workers=2)\n")
    (tmp_path / "pass.py").write_text(script)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    main = subprocess.Popen([sys.executable, str(tmp_path / "pass.py"), str(tmp_path)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tree = []
    try:
        _wait_for(lambda: len(_descendants(main.pid)) >= 4, main)  # tracker, forkserver, 2 workers
        time.sleep(0.5)  # let every worker reach its shard
        tree = _descendants(main.pid)
        main.send_signal(sig)
        main.wait(timeout=60)
        deadline = time.monotonic() + 15
        while any(_running(p) for p in tree) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [p for p in tree if _running(p)]
    finally:
        for pid in tree:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _descendants(pid: int) -> list:
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")

# ----------------------------------------------------------------------------------------------
# read-only and full disks


def test_the_run_goes_on_when_its_log_and_journal_fill_the_disk(tmp_path, capfd):
    """/dev/full answers every write with ENOSPC: the launcher says so once and keeps showing,
    watching and waiting for the run, which ends with its own exit code."""
    from preflight.launch.run import run_logged
    from preflight.launch.watch import Watch, WatchPlan
    said = []
    watch = Watch(WatchPlan(iterations=3), tmp_path / "run.jsonl", say=said.append)
    watch.journal = Path("/dev/full")
    code = ("import sys\nfor i in range(3): print(f'step {i:05d}/00003 ({i / 3:.2%}) | loss: 8.3 | "
            "lrm: 0.03 | dt: 881.85ms | tok/sec: 2,322 | bf16_mfu: 0.00 | total time: 0.00m', "
            "flush=True)\nsys.exit(7)")
    assert run_logged([sys.executable, "-c", code], tmp_path, Path("/dev/full"), watch=watch) == 7
    out, err = capfd.readouterr()
    assert out.count("step 0000") == 3  # the run's output was shown whole
    assert err.count("\n") == 1 and "the log /dev/full can no longer be written" in err
    lost = [line for line in said if "journal /dev/full can no longer be written" in line]
    assert len(lost) == 1 and watch.last_step.step == 2  # still watching after the journal went


def test_a_program_that_cannot_start_is_one_line(tmp_path):
    from preflight.launch.run import LaunchError, run_logged
    with pytest.raises(LaunchError, match=r"^cannot start /nonexistent/torchrun: No such file"):
        run_logged(["/nonexistent/torchrun", "--nproc_per_node=8"], tmp_path, tmp_path / "l.log")


@pytest.mark.parametrize("where", ["a file", "a folder under a file"])
def test_demo_into_a_folder_it_cannot_use_is_one_line(tmp_path, where):
    (tmp_path / "x").write_text("x")
    target = tmp_path / "x" if where == "a file" else tmp_path / "x" / "demo"
    proc = _run([sys.executable, str(ROOT / "launch.py"), "--demo", str(target)],
                dict(os.environ, PREFLIGHT_CACHE_DIR=str(tmp_path / "cache")), cwd=tmp_path)
    assert proc.returncode == 2
    assert _one_line(proc.stdout + proc.stderr).startswith(
        f"preflight: cannot build the demo workspace in {target}: ")


def test_run_report_never_overwrites_its_input(tmp_path):
    journal = tmp_path / "run.html"
    journal.write_text('{"t": 0, "event": "start", "plan": {}}\n')
    not_journal = tmp_path / "notes.jsonl"
    not_journal.write_text("hello\n")
    for args in ([str(journal)], [str(not_journal)]):
        before = Path(args[0]).read_bytes()
        proc = _run([sys.executable, "-m", "preflight", "run-report", *args], dict(os.environ),
                    cwd=tmp_path)
        assert proc.returncode == 2 and Path(args[0]).read_bytes() == before
        assert _one_line(proc.stdout + proc.stderr).startswith(f"preflight: {args[0]}: ")


def test_full_reports_disk_is_one_line_and_no_launch(workspace, tmp_path):
    reports = tmp_path / "reports"
    with _small_disk(reports, "64k") as mounted:
        if mounted:
            _fill(reports, spare=4096)
        limit = None if mounted else _file_size_limit(4096)
        proc = _run([sys.executable, str(ROOT / "launch.py"), f"--base-dir={workspace.base}",
                     f"--nanochat-dir={workspace.checkout}", "--gpus=2", f"--reports-dir={reports}",
                     "-q", "--yes"], _env(workspace), preexec_fn=limit)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 3, out
    assert "Traceback" not in out and "INTERNALERROR" not in out
    assert f"preflight: could not write the reports to {reports}: " in out
    assert "Not launching: the checklist exited with code 3" in out


def test_read_only_reports_dir_is_one_line(workspace, tmp_path):
    with _small_disk(tmp_path / "ro") as mounted:
        _read_only(tmp_path / "ro", mounted)
        proc = _run(_checklist(workspace, "-x", "-q", reports=tmp_path / "ro" / "reports"),
                    _env(workspace))
    assert proc.returncode == 4
    line = _one_line(proc.stdout + proc.stderr)
    assert f"cannot write the reports to {tmp_path / 'ro' / 'reports'}: " in line
    assert "--reports-dir" in line


def test_read_only_checkout_of_this_project(workspace, tmp_path):
    """Installed read-only (an image, a shared clone): reports/ beside launch.py cannot be
    written; the launcher says so in one line, and --reports-dir moves every report."""
    clone = tmp_path / "clone"
    with _small_disk(clone, "64m") as mounted:
        shutil.copytree(ROOT / "preflight", clone / "preflight",
                        ignore=shutil.ignore_patterns("__pycache__"))
        for name in ("launch.py", "conftest.py"):
            shutil.copy(ROOT / name, clone / name)
        for name in ("checks", "pytest.ini"):
            (clone / name).symlink_to(os.readlink(ROOT / name))
        _read_only(clone, mounted)
        env = dict(_env(workspace), PYTHONPATH=str(clone), PYTHONDONTWRITEBYTECODE="1")
        launch = [sys.executable, str(clone / "launch.py"), f"--base-dir={workspace.base}",
                  f"--nanochat-dir={workspace.checkout}", "--gpus=2", "-q", "--dry-run"]
        refused = _run(launch, env, cwd=tmp_path)
        elsewhere = _run([*launch, f"--reports-dir={tmp_path / 'mine'}"], env, cwd=tmp_path)
    out = refused.stdout + refused.stderr
    assert refused.returncode == 4 and "Traceback" not in out, out
    assert f"cannot write the reports to {clone / 'reports'}: " in out and "--reports-dir" in out
    assert elsewhere.returncode == 0, elsewhere.stdout + elsewhere.stderr
    moved = {p.name for p in (tmp_path / "mine").iterdir()}
    assert {"report.html", "junit.xml", "summary.json"} <= moved


def test_sanitize_on_a_full_disk_changes_nothing(shards_to_sanitize, tmp_path):
    src, _ = shards_to_sanitize
    data = tmp_path / "data"
    with _small_disk(data, "3m") as mounted:
        shutil.copytree(src, data, dirs_exist_ok=True)
        before = _shard_bytes(data)
        if mounted:
            _fill(data, spare=4096)
        limit = None if mounted else _file_size_limit(64 << 10)
        env = _env(Workspace(tmp_path))
        proc = _run([sys.executable, "-m", "preflight", "sanitize", "--data-dir", str(data),
                     "--audit-log", str(tmp_path / "audit.jsonl"),
                     f"--reports-dir={tmp_path / 'reports'}"], env, cwd=tmp_path,
                    preexec_fn=limit)
        after, temps = _shard_bytes(data), stale_temps(data)
    lines = proc.stdout.strip().splitlines()
    assert proc.returncode == 2 and "Traceback" not in proc.stdout + proc.stderr
    assert lines[-1].startswith("error: shard_00000.parquet: ") and (
        "No space left on device" in lines[-1] or "File too large" in lines[-1]), proc.stdout
    assert after == before and not temps

# ----------------------------------------------------------------------------------------------
# no secret outside the data


USER_CHECK = '''
from preflight.checks.conftest import *  # noqa: F401,F403  the checklist's fixtures


def test_a_check_of_ones_own(settings, summary, shards, data_pass, secret_findings, tokenizer,
                             roundtrip, bytes_per_token, token_bytes_report, sizing, launch_plan,
                             base_train_call, horizon, gpu_facts, hardware_run, hardware_params,
                             hardware_plan):
    documents = data_pass.sample("train")
    assert not secret_findings
'''
VERBOSITIES = [("-q",), (), ("-v",), ("-vv", "-l"), ("-vvv", "-l", "--tb=long")]


def test_no_secret_in_terminal_reports_or_cache_at_any_verbosity(leaky, tmp_path):
    """A failing check shows every fixture (and its locals) at -vv -l: only summaries appear."""
    user_check = tmp_path / "test_user_check.py"
    user_check.write_text(USER_CHECK)
    env, outputs, reports = _env(leaky), [], []
    for i, verbosity in enumerate(VERBOSITIES):
        reports.append(tmp_path / f"reports{i}")
        proc = _run(_checklist(leaky, str(user_check), *verbosity, reports=reports[-1]), env)
        outputs.append(proc.stdout + proc.stderr)
        assert proc.returncode == 1 and "12 secret finding(s)" in outputs[-1], outputs[-1]
    assert _leaks(outputs, [leaky.root / "cache", *reports]) == []
    assert _leaks(outputs, reports, needles=[MARKER]) == []  # no document text at all
    cached = b"".join(p.read_bytes() for p in (leaky.root / "cache").rglob("*.json"))
    assert MARKER.encode() in cached  # it was sampled: the summaries above hid it
    assert "data_pass = DataPass(4 shards" in outputs[-1]  # the locals were shown, as summaries
    assert "documents  = <" in outputs[-1]
    # Entries edited by hand are never trusted: the findings are still all there.
    cache = leaky.root / "cache"
    for entry in cache.rglob("*.json"):
        header, _, payload = entry.read_bytes().partition(b"\n")
        data = json.loads(payload)
        entry.write_bytes(header + b"\n" + (json.dumps(dict(data, findings=[])).encode()
                                            if isinstance(data, dict) else b"{}"))
    edited = _run(_checklist(leaky, "-x", "-q", reports=tmp_path / "edited"), env)
    assert edited.returncode == 1 and "12 secret finding(s)" in edited.stdout, edited.stdout
    # The helper commands, and a sanitize that drops what the cache knew of the shards it rewrote.
    helpers = [_run([sys.executable, "-m", "preflight", command, f"--base-dir={leaky.base}",
                     f"--nanochat-dir={leaky.checkout}", f"--reports-dir={tmp_path / command}",
                     *extra], env, cwd=tmp_path)
               for command, extra in (("info", ("--gpus=2",)), ("scan", ()),
                                      ("sanitize", ("--no-backup",)))]
    assert [h.returncode for h in helpers] == [0, 1, 0], [h.stdout + h.stderr for h in helpers]
    outputs += [h.stdout + h.stderr for h in helpers]
    assert not list((cache / "datapass").rglob("*.json"))  # sanitize forgot the shards it rewrote
    assert _leaks(outputs, [cache, *reports, tmp_path / "edited", tmp_path / "info",
                            tmp_path / "scan", tmp_path / "sanitize"]) == []
    assert not any(s in "".join(_texts(p)) for p in leaky.shards() for s in SECRETS)
