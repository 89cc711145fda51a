"""Measured nanochat training speeds: the data the utilisation constants of `speed.py` are fitted on.

The six records of nanochat's Time-to-GPT-2 leaderboard (dev/LEADERBOARD.md and the README table at
92d63d4), each with its commit, its exact base_train flags and its measured `total_training_time`
on 8xH100, and the two full-training d26 throughputs of dev/LOG.md (2026-02-02, "FP8 Training with
torchao", added in a67eba3). Iterations, batch and FLOPs per token are what our estimator computes
from each record's own checkout and flags (nanochat's `estimate_flops()` on the meta device);
tests/test_timecost.py keeps them true against the real checkouts (NANOCHAT_CHECKOUTS).

nanochat's `total_training_time` leaves out the first 11 steps (steps 0-10: compilation, warm-up),
so a record's timed tokens are (iterations - 11) x batch.
"""

from dataclasses import dataclass

TIMED_FROM_STEP = 11  # base_train adds dt to total_training_time only for step > 10


@dataclass(frozen=True)
class Measured:
    label: str
    commit: str
    args: tuple                # base_train flags after `--`
    gpu: str                   # our GPU table's name
    ranks: int
    precision: str             # bf16 | fp8
    flops_per_token: int       # nanochat's estimate_flops() for the record's model
    tokens_per_second: float   # measured, all ranks together
    source: str                # where the measurement is written
    record: bool = False       # one of the six leaderboard records (validated leave-one-out)
    iterations: int = None     # records: the horizon base_train computes
    total_batch_size: int = None
    seconds: float = None      # records: measured total_training_time

    @property
    def timed_tokens(self) -> int:
        return (self.iterations - TIMED_FROM_STEP) * self.total_batch_size


def _record(run, commit, args, precision, iterations, batch, flops, seconds, source):
    tokens = (iterations - TIMED_FROM_STEP) * batch
    return Measured(f"leaderboard run {run}", commit, tuple(args.split()), "H100-80GB", 8, precision,
                    flops, tokens / seconds, source, True, iterations, batch, seconds)


_COMMON = "--sample-every=-1 --save-every=-1 --core-metric-max-per-task=-1"
RECORDS = (
    _record(1, "348fbb3", f"--depth=24 --run=d24-jan29 --model-tag=d24_jan29 --device-batch-size=16 "
            f"{_COMMON} --core-metric-every=3000 --target-param-data-ratio=12", "bf16",
            16_704, 524_288, 4_945_112_064, 10_949.46713,
            "wandb total_training_time in dev/LEADERBOARD.md"),
    _record(2, "a67eba3", f"--depth=26 --run=d26-feb2-fp8-ratio8.5 --model-tag=d26_feb2_fp8_ratio8.5 "
            f"--device-batch-size=16 {_COMMON} --core-metric-every=999999 "
            "--target-param-data-ratio=8.5 --fp8", "fp8",
            14_889, 524_288, 6_185_320_128, 10_493, "total_training_time in dev/LEADERBOARD.md"),
    _record(3, "2c062aa", "--depth=26 --run=d26_feb4_double_batch_ratio8.25 "
            "--model-tag=d26_feb4_double_batch_ratio8.25 --device-batch-size=16 "
            f"--total-batch-size=1048576 {_COMMON} --core-metric-every=999999 "
            "--target-param-data-ratio=8.25 --fp8", "fp8",
            7_226, 1_048_576, 6_185_320_128, 9_922, "total_training_time in dev/LEADERBOARD.md"),
    _record(4, "324e69c", f"--depth=24 --run=d24-climbmix --model-tag=d24-climbmix {_COMMON} "
            "--core-metric-every=999999 --target-param-data-ratio=9.5 --device-batch-size=16 --fp8",
            "fp8", 6_612, 1_048_576, 4_945_112_064, 2.02 * 3600,
            "README table: 2.02 h (to 0.01 h)"),
    _record(5, "6ed7d1d", f"--depth=24 --run=d24-climbmix --model-tag=d24-climbmix {_COMMON} "
            "--core-metric-every=999999 --target-param-data-ratio=8.7 --device-batch-size=16 --fp8",
            "fp8", 6_055, 1_048_576, 4_860_160_128, 1.80 * 3600,
            "README table: 1.80 h (to 0.01 h); run 4's command with ratio 8.7"),
    _record(6, "a825e63", f"--depth=24 --run=d24-climbmix --model-tag=d24-climbmix {_COMMON} "
            "--core-metric-every=999999 --target-param-data-ratio=8 --device-batch-size=16 --fp8",
            "fp8", 5_568, 1_048_576, 4_775_225_472, 1.65 * 3600,
            "README table: 1.65 h (to 0.01 h); run 4's command with ratio 8"),
)

# dev/LOG.md 2026-02-02, "Full training (d26)" on 8xH100, tok/sec to two digits, the model of a67eba3.
LOG_D26 = (
    Measured("dev/LOG.md d26 bf16", "a67eba3", ("--depth=26",), "H100-80GB", 8, "bf16",
             6_185_320_128, 630_000, "dev/LOG.md 2026-02-02: BF16 baseline 630K tok/sec"),
    Measured("dev/LOG.md d26 fp8", "a67eba3", ("--depth=26", "--fp8"), "H100-80GB", 8, "fp8",
             6_185_320_128, 740_000, "dev/LOG.md 2026-02-02: FP8 tensorwise 740K tok/sec"),
)

MEASURED = RECORDS + LOG_D26
