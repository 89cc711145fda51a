"""Watching a launched run: is it still worth its money?

`launch.py` streams the run's output through a `Watch`, which reads nanochat's step, validation and
checkpoint lines (`nanolog`) and:
- prints a one-line status every few minutes: progress, ETA, speed, val bpb, cost so far against
  the estimate;
- warns when the validation bpb has not improved for N evaluations in a row, when tokens/s fall
  more than 20% below the probe's or the estimate's figure (else the run's own first steps), and
  when the loss turns nan;
- with `--stop-on-plateau`, asks for the run to be stopped right after the next checkpoint is
  complete on disk (model, metadata that parses, every rank's optimizer state): nanochat saves
  nothing when it is stopped, so the run is stopped only just after a save;
- writes every event to reports/run-<time>.jsonl (`runreport` turns it into HTML with plots).
"""

import json
import math
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from preflight.launch.nanolog import OutOfMemory, PeakMemory, Saved, Step, Val, parse_line

WARMUP_STEPS = 10   # nanochat's own: steps 0-10 (compilation) are left out of its timing
SPEED_WINDOW = 10   # step lines per speed reading (their median)


@dataclass
class WatchPlan:
    """What the run is compared with; the launch fills it from the checklist's summary."""
    iterations: int = None         # planned num_iterations (else the step lines' own /N)
    seconds: float = None          # estimated base-training time (the Time row)
    cost: float = None             # estimated base-training cost
    ranks: int = 1                 # GPUs paid for
    processes: int = None          # ranks that save optimizer state (None: at least rank 0)
    price: float = 0.0             # per GPU-hour
    tok_per_sec: float = None      # expected tokens/s, all ranks (the probe's, else the estimate's)
    tok_per_sec_source: str = ""   # "the probe" | "the estimate"
    plateau_evals: int = 3
    slowdown: float = 0.20
    status_every: float = 300.0    # seconds between status lines
    stop_on_plateau: bool = False


def checkpoint_complete(folder: Path, step: int, ranks: int = None) -> str:
    """'' when the checkpoint of `step` is whole on disk, else what is missing (one line).
    ranks: how many optimizer shards there must be (None: rank 0's at least)."""
    model, meta = folder / f"model_{step:06d}.pt", folder / f"meta_{step:06d}.json"
    if not model.is_file() or model.stat().st_size == 0:
        return f"{model.name} is missing or empty"
    try:
        json.loads(meta.read_text())
    except (OSError, ValueError) as exc:
        return f"{meta.name} does not load ({type(exc).__name__})"
    optim = [folder / f"optim_{step:06d}_rank{r}.pt" for r in range(ranks or 1)]
    legacy = folder / f"optim_{step:06d}.pt"  # 2025 nanochat: one file, no rank suffix
    missing = [p.name for p in optim if not p.is_file() or p.stat().st_size == 0]
    if missing and not (legacy.is_file() and legacy.stat().st_size > 0):
        return f"{', '.join(missing)} missing"
    return ""


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    h, m = divmod(seconds // 60, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{seconds % 60:02d}s"


def _rate(value: float) -> str:
    return f"{value / 1e6:.2f}M" if value >= 1e6 else f"{value / 1e3:.1f}k" if value >= 1e3 else f"{value:.0f}"


class Watch:
    def __init__(self, plan: WatchPlan, journal: Path, say=print, clock=time.monotonic):
        self.plan, self.journal, self.say, self.clock = plan, Path(journal), say, clock
        self.journal_lost = False
        self.start = clock()
        self.last_status = self.start
        self.stopping = None         # the checkpoint step the run was stopped after
        self._fresh(plan.iterations, plan.tok_per_sec, plan.tok_per_sec_source)
        self.journal.parent.mkdir(parents=True, exist_ok=True)
        self._log("start", plan=asdict(self.plan))

    def _fresh(self, iterations, tok_per_sec, source) -> None:
        """The state of one base training (a script may run several, one after the other)."""
        self.iterations, self.expected = iterations, (tok_per_sec, source)
        self.steps = []              # recent Step events (timed steps only)
        self.last_step = self.last_val = None
        self.best = None             # (bpb, step)
        self.since_best = 0
        self.plateau_at = None       # step of the eval that completed a plateau
        self.slow = self.diverged = False
        self.baseline = None         # the run's own first speed, when nothing better is known
        self.saves = {}              # step -> folder of its files

    def _new_run(self, step: int) -> None:
        """A step number going back means the next base training started (or a resumed one):
        the plan's horizon and speed were the first one's."""
        latest = max(self.last_step.step if self.last_step else -1, self.last_val or -1)
        if step < latest:
            self._log("new_run", step=step)
            self._fresh(None, None, "")

    def _log(self, event: str, **fields) -> None:
        """One journal line; a journal that can no longer be written (full disk) is given up
        with one line, and the watch goes on in the terminal."""
        if self.journal_lost:
            return
        record = dict(t=round(self.clock() - self.start, 3), event=event, **fields)
        try:
            with open(self.journal, "a", encoding="utf-8") as f:
                f.write(json.dumps(record, default=str) + "\n")
        except OSError as exc:
            self.say(f"[watch] the journal {self.journal} can no longer be written "
                     f"({exc.strerror or exc}); watching goes on here")
            self.journal_lost = True

    def _warn(self, kind: str, message: str) -> None:
        self.say(f"[watch] WARNING: {message}")
        self._log("warn", kind=kind, message=message)

    # ------------------------------------------------------------------------------------------

    def line(self, text: str) -> bool:
        """Read one line of the run's output; True when the run should be stopped now."""
        event = parse_line(text)
        stop = False
        if isinstance(event, Step):
            stop = self._step(event)
        elif isinstance(event, Val):
            self._val(event)
        elif isinstance(event, Saved):
            if event.step is not None:
                self.saves[event.step] = event.path.parent
                self._log("saved", what=event.what, step=event.step, path=str(event.path))
        elif isinstance(event, PeakMemory):
            self._log("peak_memory", mib=event.mib)
        elif isinstance(event, OutOfMemory):
            self._log("out_of_memory", line=event.line)
        self.tick()
        return stop

    def _step(self, s: Step) -> bool:
        self._new_run(s.step)
        self.last_step = s
        self._log("step", step=s.step, total=s.total, loss=None if math.isnan(s.loss) else s.loss,
                  dt_ms=s.dt_ms, tok_per_sec=s.tok_per_sec, mfu=s.mfu)
        if math.isnan(s.loss) and not self.diverged:
            self.diverged = True
            self._warn("nan", f"step {s.step}: the loss is nan; the run has diverged")
        if s.step > WARMUP_STEPS:
            self.steps = (self.steps + [s])[-SPEED_WINDOW:]
            self._speed()
        return self._ready_to_stop(s.step)

    def _speed(self) -> None:
        if len(self.steps) < SPEED_WINDOW:
            return
        now = statistics.median(s.tok_per_sec for s in self.steps)
        expected, source = self.expected
        if not expected:
            self.baseline = self.baseline or now
            expected, source = self.baseline, "the run's first steps"
        floor = (1 - self.plan.slowdown) * expected
        if now < floor and not self.slow:
            self.slow = True
            self._warn("slow", f"step {self.steps[-1].step}: {_rate(now)} tok/s, "
                               f"{1 - now / expected:.0%} below {source}'s {_rate(expected)} "
                               "(a slow or throttled GPU, or a data stall?)")
        elif now >= floor and self.slow:
            self.slow = False
            self._log("speed_recovered", step=self.steps[-1].step, tok_per_sec=now)

    def _val(self, v: Val) -> None:
        self._new_run(v.step)
        self.last_val = v.step
        self._log("val", step=v.step, bpb=None if math.isnan(v.bpb) else v.bpb)
        if self.best is None or v.bpb < self.best[0]:
            self.best, self.since_best = (v.bpb, v.step), 0
            return
        self.since_best += 1
        if self.since_best == self.plan.plateau_evals:
            self.plateau_at = v.step
            then = (" --stop-on-plateau: stopping after the next checkpoint is written"
                    if self.plan.stop_on_plateau else "")
            self._warn("plateau", f"step {v.step}: val bpb has not improved for "
                                  f"{self.since_best} evaluations (best {self.best[0]:.6f} at "
                                  f"step {self.best[1]});{then or ' consider stopping the run'}")

    def _ready_to_stop(self, step: int) -> bool:
        """After a plateau: a checkpoint saved at or after it, complete on disk once rank 0 is
        past that step (the ranks synchronise in every step, so all of them finished saving)."""
        if not self.plan.stop_on_plateau or self.plateau_at is None or self.stopping is not None:
            return False
        for saved in sorted(s for s in self.saves if self.plateau_at <= s <= step):
            missing = checkpoint_complete(self.saves[saved], saved, self.plan.processes)
            if missing:
                self._warn("checkpoint", f"checkpoint of step {saved} is not whole ({missing}): "
                                         "not stopping on it")
                del self.saves[saved]
                continue
            self.stopping = saved
            self.say(f"[watch] checkpoint of step {saved} is complete in {self.saves[saved]}: "
                     "stopping the run (--stop-on-plateau)")
            self._log("stop", checkpoint_step=saved, folder=str(self.saves[saved]))
            return True
        return False

    # ------------------------------------------------------------------------------------------

    def tick(self) -> None:
        """Print the status line when it is due."""
        if self.clock() - self.last_status >= self.plan.status_every:
            self.status()

    def status(self) -> str:
        self.last_status = now = self.clock()
        elapsed = now - self.start
        plan, s = self.plan, self.last_step
        total = (self.iterations or s.total) if s is not None else None
        parts = []
        if s is None:
            parts.append("no step yet")
        else:
            parts.append(f"step {s.step:,}/{total:,} ({s.step / total:.0%})" if total else
                         f"step {s.step:,}")
        parts.append(f"{_duration(elapsed)} elapsed")
        if self.steps and total:
            dt = statistics.median(x.dt_ms for x in self.steps) / 1000
            parts.append(f"ETA {_duration((total - s.step) * dt)}")
            rate, (expected, source) = statistics.median(x.tok_per_sec for x in self.steps), self.expected
            parts.append(f"{_rate(rate)} tok/s" + (f" ({source} {_rate(expected)})" if expected else ""))
        if self.best is not None:
            parts.append(f"val bpb best {self.best[0]:.4f} at step {self.best[1]:,}")
        if plan.price:
            spent = elapsed * plan.ranks * plan.price / 3600
            parts.append(f"${spent:,.2f} so far" + (f" of ~${plan.cost:,.2f} estimated"
                                                    if plan.cost else ""))
        line = "[watch] " + " · ".join(parts)
        self.say(line)
        self._log("status", line=line, elapsed=elapsed)
        return line

    def end(self, code: int) -> None:
        self._log("end", exit_code=code, stopped_after_checkpoint=self.stopping,
                  elapsed=self.clock() - self.start)

# ----------------------------------------------------------------------------------------------
# From the checklist's summary to a Watch (launch.py).

def journal_path(log: Path) -> Path:
    """reports/run-<time>.jsonl beside the run's reports/launch-<time>.log."""
    return log.with_name(log.name.replace("launch-", "run-", 1)).with_suffix(".jsonl")


def stop_refusal(facts: dict, chosen: dict, slurm: bool = False) -> str:
    """Why --stop-on-plateau cannot be offered for the chosen launch ('' when it can)."""
    if slurm:
        return "--stop-on-plateau watches a run started here; a Slurm job is not watched"
    if chosen != facts["launch"][0]:  # the checklist's horizon is the recommended candidate's
        text = Path(chosen["script"]).read_text(errors="replace") if chosen["script"] \
            else chosen["command"]
        saves = "save-every" in text or "save_every" in text
        where = chosen["description"]
    else:
        horizon = facts.get("horizon")
        if not horizon:
            return "--stop-on-plateau needs a base training to watch, and this launch has none"
        every = str(horizon.get("flags", {}).get("save_every", "-1"))
        saves, where = every.lstrip("-").isdigit() and int(every) > 0, horizon["where"]
    if saves:
        return ""
    return (f"--stop-on-plateau stops the run only right after a checkpoint, and {where} sets no "
            "--save-every: nanochat saves nothing when it is stopped, so stopping would lose the "
            "run. Add --save-every=N, or launch without --stop-on-plateau")


def plan_from_summary(facts: dict, args, chosen: dict) -> WatchPlan:
    """The watch's plan from summary.json's facts (they describe the recommended launch, so
    another choice is watched against its own output only) and launch.py's options."""
    if chosen != facts["launch"][0]:
        facts = {}
    horizon, time_facts = facts.get("horizon") or {}, facts.get("time") or {}
    base, probe = time_facts.get("base") or {}, facts.get("probe") or {}
    plan = WatchPlan(iterations=horizon.get("iterations"), seconds=base.get("seconds"),
                     cost=base.get("cost"), ranks=(facts.get("hardware") or {}).get("ranks", 1),
                     processes=time_facts.get("processes"),
                     price=base.get("price", 0.0), plateau_evals=args.plateau_evals,
                     status_every=args.status_every * 60, stop_on_plateau=args.stop_on_plateau)
    if probe.get("tok_per_sec"):
        plan.tok_per_sec, plan.tok_per_sec_source = probe["tok_per_sec"], "the probe"
    elif base.get("tokens_per_second"):
        plan.tok_per_sec, plan.tok_per_sec_source = base["tokens_per_second"], "the estimate"
    return plan
