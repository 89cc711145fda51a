"""What GPUs this machine has: NVML first (no CUDA context, sees other processes), torch as a fallback.

NVML lists every GPU in the box; torch and nanochat see only those in CUDA_VISIBLE_DEVICES, so the
probe applies the same filter. Nothing here allocates GPU memory: `torch.cuda.mem_get_info` would
create a CUDA context in the checklist's own process, which would then show up as "another process".
"""

import ast
import ctypes
import importlib.metadata
import importlib.util
import os
from dataclasses import dataclass, field
from pathlib import Path

from preflight.hardware.gpus import GpuSpec


@dataclass(frozen=True)
class Gpu:
    index: int
    name: str
    memory: int              # total bytes
    free: int = None         # bytes free now (None when unknown, e.g. a planning target)
    capability: tuple = (0, 0)
    uuid: str = ""


@dataclass(frozen=True)
class GpuProcess:
    gpu: int                 # index of the GPU it holds memory on
    pid: int
    used: int                # bytes (0 when the driver does not say)
    name: str = ""


@dataclass(frozen=True)
class GpuFacts:
    """The GPUs the run will see, or why there are none."""
    gpus: tuple = ()
    source: str = "none"     # nvml | torch | target | none
    reason: str = ""         # why there are no GPUs (empty when there are)
    driver_version: str = ""
    cuda_driver_version: str = ""   # highest CUDA the driver supports, e.g. "12.8"
    torch_version: str = ""
    torch_cuda_version: str = ""    # CUDA torch was built with ("" for a CPU-only build)
    processes: tuple = ()           # GpuProcess held by other processes
    notes: tuple = field(default_factory=tuple)

    @property
    def count(self) -> int:
        return len(self.gpus)

    @property
    def is_target(self) -> bool:
        return self.source == "target"

    def as_dict(self) -> dict:
        return dict(source=self.source, reason=self.reason, count=self.count,
                    gpus=[dict(index=g.index, name=g.name, memory=g.memory, free=g.free,
                               capability=list(g.capability)) for g in self.gpus],
                    driver_version=self.driver_version, cuda_driver_version=self.cuda_driver_version,
                    torch_version=self.torch_version, torch_cuda_version=self.torch_cuda_version,
                    processes=[dict(gpu=p.gpu, pid=p.pid, used=p.used, name=p.name)
                               for p in self.processes],
                    notes=list(self.notes))


def target_facts(spec: GpuSpec, ranks: int) -> GpuFacts:
    """Facts for planning without the hardware: `ranks` copies of the target GPU."""
    gpus = tuple(Gpu(i, spec.name, spec.memory, None, spec.capability) for i in range(ranks))
    return GpuFacts(gpus=gpus, source="target")  # nothing probed: no driver or torch to report

# ----------------------------------------------------------------------------------------------
# CUDA_VISIBLE_DEVICES, applied the way the CUDA runtime applies it.

def visible_subset(devices: list, env_value) -> tuple:
    """(visible devices renumbered from 0, note). `devices` are Gpu with NVML indices and UUIDs.

    Entries are indices or UUID prefixes (`GPU-5f3c...`); like CUDA, the list ends at the first
    entry that matches nothing, and an empty value hides every GPU.
    """
    if env_value is None:
        return tuple(devices), ""
    chosen, note = [], ""
    for raw in env_value.split(","):
        item = raw.strip()
        if item.isdigit():
            match = next((d for d in devices if d.index == int(item)), None)
        elif item.upper().startswith(("GPU-", "MIG-")):
            match = next((d for d in devices if d.uuid and d.uuid.upper().startswith(item.upper())), None)
        else:
            match = None
        if match is None or match in chosen:
            if item:
                note = f"CUDA_VISIBLE_DEVICES={env_value!r}: entry {item!r} matches no GPU; CUDA stops there"
            break
        chosen.append(match)
    renumbered = tuple(Gpu(i, d.name, d.memory, d.free, d.capability, d.uuid)
                       for i, d in enumerate(chosen))
    return renumbered, note


def _torch_build() -> dict:
    """torch's version and the GPU runtime it was built for, read from its files: importing torch
    costs seconds, and only the meta-device model needs it."""
    try:
        version = importlib.metadata.version("torch")
        spec = importlib.util.find_spec("torch")
    except (importlib.metadata.PackageNotFoundError, ImportError, ValueError):
        return dict(version="", cuda="", hip="")
    found = dict(version=version, cuda="", hip="")
    try:
        tree = ast.parse((Path(spec.origin).parent / "version.py").read_text())
    except (OSError, SyntaxError, TypeError, AttributeError):
        return found
    for node in tree.body:  # `cuda: Optional[str] = '12.8'`, `hip: Optional[str] = None`
        target = getattr(node, "target", None) or (getattr(node, "targets", None) or [None])[0]
        name = getattr(target, "id", None)
        if name in ("cuda", "hip") and isinstance(node.value, ast.Constant):
            found[name] = node.value.value or ""
    return found


def _torch_versions() -> dict:
    build = _torch_build()
    return dict(torch_version=build["version"], torch_cuda_version=build["cuda"])


def _gpu_driver_present() -> bool:
    """Could any GPU runtime work here? Without an NVIDIA driver library or a ROCm device node,
    torch sees no GPU either, and importing it only to learn that costs seconds."""
    if Path("/dev/kfd").exists() or Path("/proc/driver/nvidia").exists():
        return True
    for name in ("libnvidia-ml.so.1", "libcuda.so.1", "nvml.dll", "nvcuda.dll"):
        try:
            ctypes.CDLL(name)
            return True
        except OSError:
            continue
    return False


def cuda_version_text(value: int) -> str:
    """NVML's integer CUDA version (12080) -> '12.8'."""
    return f"{value // 1000}.{(value % 1000) // 10}" if value else ""

# ----------------------------------------------------------------------------------------------
# NVML.

def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _process_name(nvml, pid: int) -> str:
    try:
        return _text(nvml.nvmlSystemGetProcessName(pid)).rsplit("/", 1)[-1]
    except Exception:  # noqa: BLE001 - the name is decoration; containers often hide it
        try:
            with open(f"/proc/{pid}/comm") as f:
                return f.read().strip()
        except OSError:
            return ""


def _probe_nvml(nvml, environ) -> GpuFacts:
    nvml.nvmlInit()
    try:
        devices, holders = [], []
        for i in range(nvml.nvmlDeviceGetCount()):
            handle = nvml.nvmlDeviceGetHandleByIndex(i)
            mem = nvml.nvmlDeviceGetMemoryInfo(handle)
            devices.append(Gpu(i, _text(nvml.nvmlDeviceGetName(handle)), int(mem.total),
                               int(mem.free), tuple(nvml.nvmlDeviceGetCudaComputeCapability(handle)),
                               _text(nvml.nvmlDeviceGetUUID(handle))))
            seen = set()
            for getter in (nvml.nvmlDeviceGetComputeRunningProcesses,
                           nvml.nvmlDeviceGetGraphicsRunningProcesses):
                try:
                    procs = getter(handle)
                except nvml.NVMLError:
                    continue
                for p in procs:
                    if p.pid == os.getpid() or p.pid in seen:
                        continue
                    seen.add(p.pid)
                    holders.append((i, p.pid, int(p.usedGpuMemory or 0)))
        driver = _text(nvml.nvmlSystemGetDriverVersion())
        cuda = cuda_version_text(nvml.nvmlSystemGetCudaDriverVersion())
        visible, note = visible_subset(devices, environ.get("CUDA_VISIBLE_DEVICES"))
        renumber = {d.uuid: v.index for d in devices for v in visible if v.uuid == d.uuid}
        by_index = {d.index: d.uuid for d in devices}
        processes = tuple(GpuProcess(renumber[by_index[g]], pid, used, _process_name(nvml, pid))
                          for g, pid, used in holders if by_index[g] in renumber)
    finally:
        nvml.nvmlShutdown()
    reason = "" if visible else ("CUDA_VISIBLE_DEVICES hides every GPU" if devices
                                 else "NVML reports no GPU")
    return GpuFacts(gpus=visible, source="nvml", reason=reason, driver_version=driver,
                    cuda_driver_version=cuda, processes=processes,
                    notes=(note,) if note else (),
                    **_torch_versions())

# ----------------------------------------------------------------------------------------------
# torch, when NVML is unavailable.

def _probe_torch(why_not_nvml: str) -> GpuFacts:
    build = _torch_build()
    versions = dict(torch_version=build["version"], torch_cuda_version=build["cuda"])
    if not versions["torch_version"]:
        return GpuFacts(reason=f"{why_not_nvml}, and torch is not installed", **versions)
    if not build["cuda"] and not build["hip"]:
        return GpuFacts(reason=f"{why_not_nvml}, and torch {versions['torch_version']} is a "
                               "CPU-only build", **versions)
    if not _gpu_driver_present():
        return GpuFacts(reason=f"{why_not_nvml}, and there is no GPU driver (no libnvidia-ml, "
                               "libcuda or /dev/kfd)", **versions)
    import torch
    if not torch.cuda.is_available():
        return GpuFacts(reason=f"{why_not_nvml}, and torch sees no CUDA device", **versions)
    gpus = []
    for i in range(torch.cuda.device_count()):
        props = torch.cuda.get_device_properties(i)
        gpus.append(Gpu(i, props.name, int(props.total_memory), None, (props.major, props.minor)))
    return GpuFacts(gpus=tuple(gpus), source="torch",
                    notes=(f"{why_not_nvml}: free memory and other processes unknown",), **versions)


def probe(environ=None) -> GpuFacts:
    """The GPUs this process would train on, or a GpuFacts whose `reason` says why there are none.
    Imports torch only where NVML is missing but a GPU driver is there."""
    environ = os.environ if environ is None else environ
    try:
        import pynvml as nvml
    except ImportError:
        return _probe_torch("nvidia-ml-py is not installed")
    try:
        return _probe_nvml(nvml, environ)
    except nvml.NVMLError_LibraryNotFound:  # no driver: CUDA cannot work, and importing torch
        return GpuFacts(reason="no NVIDIA driver (libnvidia-ml not found)")  # costs seconds
    except nvml.NVMLError_DriverNotLoaded:
        return GpuFacts(reason="the NVIDIA driver is not loaded")
    except nvml.NVMLError as exc:
        return _probe_torch(f"NVML failed: {exc}")
