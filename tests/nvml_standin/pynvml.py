"""A stand-in for nvidia-ml-py's `pynvml` on machines without an NVIDIA GPU, for tests that need
the GPU probe to find GPUs (inside a real Slurm job, on the job's placeholder GPU devices).

The GPUs come from the environment variable FAKE_NVML, JSON:
    {"gpus": [{"name": "NVIDIA H100 80GB HBM3", "memory": 85520809984, "free": 84987740160,
               "capability": [9, 0], "processes": [[4242, 1073741824]]}, ...],
     "driver": "550.54.15", "cuda": 12040}
Only the calls preflight.hardware.probe makes are here.
"""

import json
import os
from types import SimpleNamespace


class NVMLError(Exception):
    pass


class NVMLError_LibraryNotFound(NVMLError):  # noqa: N801 - pynvml's own names
    pass


class NVMLError_DriverNotLoaded(NVMLError):  # noqa: N801
    pass


def _config() -> dict:
    return json.loads(os.environ["FAKE_NVML"])


def nvmlInit():  # noqa: N802
    if "FAKE_NVML" not in os.environ:
        raise NVMLError_LibraryNotFound("FAKE_NVML is not set")


def nvmlShutdown():  # noqa: N802
    pass


def nvmlDeviceGetCount():  # noqa: N802
    return len(_config()["gpus"])


def nvmlDeviceGetHandleByIndex(index):  # noqa: N802
    return index


def _gpu(handle) -> dict:
    return _config()["gpus"][handle]


def nvmlDeviceGetMemoryInfo(handle):  # noqa: N802
    gpu = _gpu(handle)
    return SimpleNamespace(total=gpu["memory"], free=gpu["free"], used=gpu["memory"] - gpu["free"])


def nvmlDeviceGetName(handle):  # noqa: N802
    return _gpu(handle)["name"]


def nvmlDeviceGetCudaComputeCapability(handle):  # noqa: N802
    return tuple(_gpu(handle)["capability"])


def nvmlDeviceGetUUID(handle):  # noqa: N802
    return f"GPU-00000000-0000-0000-0000-{handle:012d}"


def nvmlDeviceGetComputeRunningProcesses(handle):  # noqa: N802
    return [SimpleNamespace(pid=pid, usedGpuMemory=used)
            for pid, used in _gpu(handle).get("processes", [])]


def nvmlDeviceGetGraphicsRunningProcesses(handle):  # noqa: N802
    return []


def nvmlSystemGetDriverVersion():  # noqa: N802
    return _config()["driver"]


def nvmlSystemGetCudaDriverVersion():  # noqa: N802
    return _config()["cuda"]


def nvmlSystemGetProcessName(pid):  # noqa: N802
    raise NVMLError("not supported")
