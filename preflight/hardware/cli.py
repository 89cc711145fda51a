"""`preflight gpus`: the GPU names `--target-gpu` accepts, and what this machine has."""

import json

from preflight.hardware.gpus import GPU_TABLE
from preflight.hardware.precision import BF16_CAPABILITY, FP8_CAPABILITY
from preflight.hardware.probe import probe
from preflight.util.format import GiB


def _support(capability) -> str:
    return ("bf16, fp8" if capability >= FP8_CAPABILITY else "bf16" if capability >= BF16_CAPABILITY
            else "no bf16")


def table_lines() -> list:
    rows = [("name", "memory", "capability", "precision", "also accepted")]
    for spec in GPU_TABLE:
        rows.append((spec.name, f"{spec.memory / GiB:.1f} GiB", spec.capability_text,
                     _support(spec.capability), ", ".join(spec.aliases)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r[:4], widths)) + "  " + r[4] for r in rows]
    lines.append("custom: MEMORY,CAPABILITY such as 80GB,9.0 (names ignore case, spaces and dashes)")
    return lines


def probe_lines(facts) -> list:
    if not facts.count:
        return [f"this machine: no GPU ({facts.reason})"]
    lines = [f"this machine ({facts.source}; driver {facts.driver_version or '?'}, CUDA "
             f"{facts.cuda_driver_version or '?'}; torch {facts.torch_version or '-'} CUDA "
             f"{facts.torch_cuda_version or '-'}):"]
    for g in facts.gpus:
        free = f", {g.free / GiB:.1f} GiB free" if g.free is not None else ""
        lines.append(f"  {g.index}: {g.name}, {g.memory / GiB:.1f} GiB{free}, capability "
                     f"{g.capability[0]}.{g.capability[1]} ({_support(tuple(g.capability))})")
    lines += [f"  GPU {p.gpu}: pid {p.pid} {p.name or '?'} holds {p.used / GiB:.1f} GiB"
              for p in facts.processes]
    lines += [f"  note: {n}" for n in facts.notes]
    return lines


def run_gpus(args) -> int:
    facts = probe() if args.probe else None
    if args.json:
        out = dict(table=[dict(name=s.name, memory=s.memory, capability=list(s.capability),
                               aliases=list(s.aliases)) for s in GPU_TABLE])
        if facts is not None:
            out["probe"] = facts.as_dict()
        print(json.dumps(out, indent=2))
        return 0
    print("\n".join(table_lines()))
    if facts is not None:
        print()
        print("\n".join(probe_lines(facts)))
    return 0


def add_gpus_parser(subparsers):
    """Register `preflight gpus`; the parser's `func(args) -> exit code` runs it."""
    parser = subparsers.add_parser("gpus", help="list the GPUs --target-gpu accepts (and probe this machine)",
                                   description=__doc__)
    parser.add_argument("--probe", action="store_true", help="also show this machine's GPUs")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run_gpus)
    return parser
