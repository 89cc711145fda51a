"""`python launch.py` / `preflight launch`: run the checklist, show the plan, confirm, and launch
only on a green run."""

import argparse
import json
import os
import shlex
import sys
import tempfile
from pathlib import Path

from preflight.checklist.run import CollectionError, checklist_ids, run_checklist_once
from preflight.config import (add_options, checklist_args, default_reports_dir,
                              settings_from_args)
from preflight.launch.candidates import launch_environ, reminders
from preflight.launch.run import LaunchError, log_path_for, run_logged
from preflight.hardware.node_check import node_plan
from preflight.launch.runreport import write_run_report
from preflight.launch.watch import Watch, journal_path, plan_from_summary, stop_refusal
from preflight.launch.slurm import (DEFAULT_FOLDER, SlurmError, add_slurm_arguments, check_cluster,
                                    sbatch_preview, submit)
from preflight.launch.slurm_wait import follow


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="launch.py", description=__doc__,
        epilog="Any other option goes to the checklist (e.g. -o min_text_mb=10).")
    p.add_argument("--demo", nargs="?", const="", metavar="DIR",
                   help="build the built-in example workspace (in DIR or a temporary folder) and "
                        "run the checklist on it, as a dry run")
    add_options(p.add_argument, "launch")
    p.add_argument("--yes", action="store_true", help="launch without asking (for automation)")
    p.add_argument("--dry-run", action="store_true", help="check and show the command, run nothing")
    add_slurm_arguments(p)
    return p.parse_known_args(argv)


def choose(candidates: list, interactive: bool) -> dict:
    if len(candidates) == 1 or not interactive:
        return candidates[0]
    print("\nWhat to launch:")
    for i, c in enumerate(candidates, 1):
        print(f"  {i}. {c['description']}{'  [recommended]' if i == 1 else ''}\n     {c['command']}")
    while True:
        answer = _ask(f"Choose 1-{len(candidates)} [1]: ").strip() or "1"
        if answer.isdigit() and 1 <= int(answer) <= len(candidates):
            return candidates[int(answer) - 1]
        print(f"  please answer a number from 1 to {len(candidates)}")


def _ask(prompt: str) -> str:
    try:
        return input(prompt)
    except EOFError:
        return ""


def confirmed(args, what: str) -> bool:
    return args.yes or _ask(f"\n{what}? Type 'yes' to go ahead: ").strip().lower() in ("y", "yes")


def submit_to_slurm(argv, args, settings, env, hardware: dict) -> int:
    """Show the Slurm job; on confirmation submit it (with the plan its nodes are checked against:
    the checklist's hardware facts) and say where its output goes; with --wait, follow it."""
    if args.slurm_folder == DEFAULT_FOLDER:  # beside the other reports, wherever those go
        args.slurm_folder = str(settings.reports_dir / "slurm")
    folder = Path(args.slurm_folder).resolve()
    try:
        if not args.dry_run:    # now that the GPUs per node are known
            check_cluster(args, settings.gpus)
        print("\nSlurm job:\n" + sbatch_preview(argv, gpus_per_node=settings.gpus, args=args,
                                                folder=folder, cwd=settings.checkout.root))
        if args.dry_run:
            print("\nDry run: nothing was submitted.")
            return 0
        if not confirmed(args, "Submit this job"):
            print("Not submitted.")
            return 1
        saved_in = (hardware["disk"]["checkpoint_dir"], settings.ranks)
        info = submit(argv, cwd=settings.checkout.root, env=env, gpus_per_node=settings.gpus,
                      args=args, saved_in=saved_in,
                      node_plan=None if args.skip_node_check else node_plan(hardware, settings.gpus))
    except SlurmError as exc:
        print(f"Not submitted: {exc}", file=sys.stderr)
        return 2
    print(f"Submitted Slurm job {info.job_id}; follow it: tail -f {info.stdout_path}")
    return follow(info, saved_in) if args.wait else 0


def _own_summary(reports_dir: Path, run_id: str):
    """This run's summary.json, or None (not written, or written by another run)."""
    try:
        summary = json.loads((reports_dir / "summary.json").read_text())
    except (OSError, ValueError):
        return None
    return summary if isinstance(summary, dict) and summary.get("run_id") == run_id else None


def _why_not_launch(code: int, summary) -> str:
    """Why this checklist run does not allow a launch (one line), or "" when it does: every check
    of the checklist ran and passed, or was skipped for a stated reason."""
    if code != 0:
        failed = [row["details"] for row in (summary or {}).get("table", [])
                  if row["status"] == "fail"]
        why = {2: "it was interrupted", 3: "it could not finish (see the error above)",
               4: "it could not start (see the error above)",
               5: "no check was collected"}.get(code, failed[0] if failed else
                                                "it is not green; fix the first failure above")
        return f"the checklist exited with code {code}: {why}"
    if summary is None:
        return ("the checklist wrote no summary for this run (was its plugin left out with "
                "-p no:…?); run the whole checklist")
    try:
        expected = checklist_ids()
    except CollectionError as exc:
        return str(exc)
    outcomes, skipped = summary.get("outcomes", {}), summary.get("skipped", {})
    missing = [n for n in expected if outcomes.get(n) not in ("passed", "skipped")
               or (outcomes[n] == "skipped" and not str(skipped.get(n, "")).strip())]
    if missing or "launch" not in summary.get("facts", {}):
        return (f"only part of the checklist ran: {len(missing)} of its {len(expected)} checks did "
                f"not run and pass (e.g. {missing[0] if missing else 'the launch plan'}), left out "
                f"with --ignore, --deselect, -k, -m, -o or -p; run it whole")
    return ""


def main(argv=None) -> int:
    args, extra = parse_args(sys.argv[1:] if argv is None else argv)
    if args.demo is not None:
        from preflight.demo.workspace import build_workspace
        folder = Path(args.demo or tempfile.mkdtemp(prefix="nanochat-preflight-demo-"))
        try:
            workspace = build_workspace(folder)
        except OSError as exc:
            print(f"preflight: cannot build the demo workspace in {folder}: "
                  f"{exc.strerror or exc}", file=sys.stderr)
            return 2
        args.base_dir, args.nanochat_dir = str(workspace["base_dir"]), str(workspace["nanochat_dir"])
        args.dry_run = True
    # nanochat's checkout defaults to the folder launch.py was started from, not this repo
    args.nanochat_dir = str(Path(args.nanochat_dir or os.getcwd()).resolve())
    if args.reports_dir:
        args.reports_dir = str(Path(args.reports_dir).resolve())
    if args.slurm and not args.dry_run:
        try:
            check_cluster(args, args.gpus)
        except SlurmError as exc:
            print(f"Not submitting: {exc}", file=sys.stderr)
            return 2
    code, run_id = run_checklist_once([*checklist_args(args), *extra])
    summary = _own_summary(Path(args.reports_dir or default_reports_dir()), run_id)
    why_not = _why_not_launch(code, summary)
    if why_not:
        print(f"\nNot launching: {why_not}", file=sys.stderr)
        return code or 1
    settings = settings_from_args(args)
    interactive = sys.stdin.isatty() and not args.yes and not args.dry_run
    chosen = choose(summary["facts"]["launch"], interactive)
    depth = summary["facts"]["sizing"]["depth"]
    print(f"\nCommand: {chosen['command']}\n  in {settings.checkout.root} with "
          f"NANOCHAT_BASE_DIR={settings.base_dir}")
    for line in reminders(settings, chosen["command"], chosen["script"], depth):
        print(f"  - {line}")
    refusal = stop_refusal(summary["facts"], chosen, args.slurm) if args.stop_on_plateau else ""
    if refusal:
        print(f"\nNot launching: {refusal}.", file=sys.stderr)
        return 2
    argv = shlex.split(chosen["command"])
    env = launch_environ(settings)
    if args.slurm:
        return submit_to_slurm(argv, args, settings, env, summary["facts"]["hardware"])
    if args.dry_run:
        print("\nDry run: nothing was started.")
        if args.demo is not None:
            print(f"Check the demo workspace yourself:\n  preflight check --nanochat-dir "
                  f"{args.nanochat_dir} --base-dir {args.base_dir}")
        return 0
    if not confirmed(args, "Start this run"):
        print("Not launched.")
        return 1
    log = log_path_for(settings.reports_dir)
    watch = Watch(plan_from_summary(summary["facts"], args, chosen), journal_path(log))
    print(f"Launching; output also goes to {log}, the watch's events to {watch.journal}")
    try:
        code = run_logged(argv, settings.checkout.root, log, env, watch=watch)
    except LaunchError as exc:
        print(f"preflight: {exc}", file=sys.stderr)
        return 127
    stopped = (f" (stopped on a plateau right after the checkpoint of step {watch.stopping})"
               if watch.stopping is not None else "")
    try:
        report = write_run_report(watch.journal)
    except OSError as exc:
        report = f"not written ({exc.strerror or exc})"
    print(f"\nThe run ended with exit code {code}{stopped}; log: {log}; "
          f"report with plots: {report}")
    return code
