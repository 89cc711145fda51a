"""Our stand-in for nanochat's scripts/base_train.py, written into test checkouts: the demo
stand-in's flags, and output in nanochat's own format (the March 2026 step line, validation lines,
checkpoint saves as logger lines with ANSI codes, peak memory), with checkpoint files written the
way nanochat writes them (model, then metadata, then every rank's optimizer state, then the log
lines). Like nanochat it has no signal handler: SIGTERM kills it (exit 143) and nothing is saved.

Knobs (environment, so the checklist's flag lint does not see them):
  STANDIN_PLATEAU_AT=K      val bpb stops improving from the K-th evaluation on (default: never)
  STANDIN_STEP_SECONDS=S    sleep per step (default 0.01)
  STANDIN_SLOW_FROM=N       from step N on, steps take 3x as long (tok/sec falls by two thirds)
  STANDIN_BROKEN_META_AT=N  the metadata of step N's checkpoint is cut short (as holynakamoto's)
  STANDIN_MIB_PER_SAMPLE=M  peak memory = 100 + M x device batch size MiB (default 10)
  STANDIN_MEMORY_MIB=L      a device batch whose peak exceeds L dies with CUDA's out-of-memory error
  STANDIN_CRASH_AT_LAST=1   dies writing the last checkpoint's metadata, as holynakamoto 2b8fe93 does
"""
import argparse
import json
import os
import sys
import time

parser = argparse.ArgumentParser(description="Pretrain base model (test stand-in)")
parser.add_argument("--run", type=str, default="dummy")
parser.add_argument("--device-type", type=str, default="")
parser.add_argument("--fp8", action="store_true")
parser.add_argument("--depth", type=int, default=20)
parser.add_argument("--aspect-ratio", type=int, default=64)
parser.add_argument("--head-dim", type=int, default=128)
parser.add_argument("--max-seq-len", type=int, default=2048)
parser.add_argument("--window-pattern", type=str, default="SSSL")
parser.add_argument("--num-iterations", type=int, default=-1)
parser.add_argument("--target-flops", type=float, default=-1.0)
parser.add_argument("--target-param-data-ratio", type=float, default=12)
parser.add_argument("--device-batch-size", type=int, default=32)
parser.add_argument("--total-batch-size", type=int, default=-1)
parser.add_argument("--eval-every", type=int, default=250)
parser.add_argument("--save-every", type=int, default=-1)
parser.add_argument("--model-tag", type=str, default=None)
args = parser.parse_args()

env = os.environ.get
rank, world = int(env("RANK", "0")), int(env("WORLD_SIZE", "1"))
iterations = args.num_iterations if args.num_iterations > 0 else 60
step_seconds = float(env("STANDIN_STEP_SECONDS", "0.01"))
plateau_at = int(env("STANDIN_PLATEAU_AT", "0")) or None
slow_from = int(env("STANDIN_SLOW_FROM", "0")) or None
broken_meta_at = int(env("STANDIN_BROKEN_META_AT", "-1"))
peak_mib = 100 + float(env("STANDIN_MIB_PER_SAMPLE", "10")) * args.device_batch_size
tokens_per_step = args.device_batch_size * args.max_seq_len * world
base = env("NANOCHAT_BASE_DIR") or os.path.expanduser("~/.cache/nanochat")
folder = os.path.join(base, "base_checkpoints", args.model_tag or f"d{args.depth}")


def say(text):
    if rank == 0:
        print(text, flush=True)


def log(text):
    say(f"2026-11-29 17:02:04,098 - nanochat.checkpoint_manager - \x1b[32m\x1b[1mINFO\x1b[0m - {text}")


if env("STANDIN_MEMORY_MIB") and peak_mib > float(env("STANDIN_MEMORY_MIB")):
    print("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a "
          "total capacity of 79.19 GiB of which 1.02 GiB is free.", file=sys.stderr, flush=True)
    sys.exit(1)


def save(step):
    os.makedirs(folder, exist_ok=True)
    if rank == 0:
        with open(os.path.join(folder, f"model_{step:06d}.pt"), "wb") as f:
            f.write(b"weights" * 1000)
        log(f"Saved model parameters to: {folder}/model_{step:06d}.pt")
        meta = json.dumps({"step": step, "model_config": {"n_layer": args.depth}})
        with open(os.path.join(folder, f"meta_{step:06d}.json"), "w") as f:
            f.write(meta[:20] if step == broken_meta_at else meta)
        if step == iterations and env("STANDIN_CRASH_AT_LAST"):
            raise TypeError("Object of type dtype is not JSON serializable")
        log(f"Saved metadata to: {folder}/meta_{step:06d}.json")
    for r in range(world):  # every rank's optimizer shard (one process plays them all)
        with open(os.path.join(folder, f"optim_{step:06d}_rank{r}.pt"), "wb") as f:
            f.write(b"moments" * 1000)
    log(f"Saved optimizer state to: {folder}/optim_{step:06d}_rank{rank}.pt")


say(f"Vocab size: 4,096\nnum_layers: {args.depth}")
evals, bpb, smooth, total_time = 0, 3.2, 8.3, 0.0
for step in range(iterations + 1):
    last = step == iterations
    if args.eval_every > 0 and (last or step % args.eval_every == 0):
        evals += 1
        if plateau_at is None or evals < plateau_at:
            bpb *= 0.9
        else:
            bpb += 0.001  # flat, a little worse each time
        say(f"Step {step:05d} | Validation bpb: {bpb:.6f}")
    if last or (step > 0 and args.save_every > 0 and step % args.save_every == 0):
        save(step)
    if last:
        break
    dt = step_seconds * (3 if slow_from is not None and step >= slow_from else 1)
    time.sleep(dt)
    smooth = 0.9 * smooth + 0.1 * (smooth - 0.01)
    if step > 10:
        total_time += dt
    say(f"step {step:05d}/{iterations:05d} ({100 * step / iterations:.2f}%) | loss: {smooth:.6f} | "
        f"lrm: 1.00 | dt: {dt * 1000:.2f}ms | tok/sec: {int(tokens_per_step / dt):,} | "
        f"bf16_mfu: 0.00 | epoch: 1 pq: 0 rg: 1 | total time: {total_time / 60:.2f}m")
say(f"Peak memory usage: {peak_mib:.2f}MiB")
say(f"Total training time: {total_time / 60:.2f}m")
say(f"Minimum validation bpb: {bpb:.6f}")
