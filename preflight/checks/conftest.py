"""The facts each step checks, as session fixtures: each step's own fixtures, gathered here."""

from preflight.checklist.fixtures import settings, summary  # noqa: F401
from preflight.data.fixtures import data_pass, duplicates, shards  # noqa: F401
from preflight.hardware.fixtures import (gpu_facts, hardware_params, hardware_plan,  # noqa: F401
                                         hardware_run, probe_check, probe_result,
                                         time_plan)
from preflight.launch.fixtures import base_train_call, launch_plan  # noqa: F401
from preflight.secrets.fixtures import secret_findings  # noqa: F401
from preflight.sizing.fixtures import horizon, model_worker, sizing  # noqa: F401
from preflight.tokenizer.fixtures import (bytes_per_token, roundtrip, token_bytes_report,  # noqa: F401
                                          tokenizer)
