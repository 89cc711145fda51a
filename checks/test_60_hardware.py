"""Step 6: the hardware plan. GPUs, precision, memory per rank, batch, vocabulary split and disk.

Without a GPU and without --target-gpu the GPU checks skip with the reason; the batch, vocabulary
and disk checks still run for the planned ranks (--gpus, default 8).
"""

from preflight.hardware.fixtures import settle


def test_enough_gpus(hardware_plan):
    finding = settle(hardware_plan, "gpus")
    assert finding.status == "ok", finding.message


def test_gpus_same_model(hardware_plan):
    finding = settle(hardware_plan, "same_model")
    assert finding.status == "ok", finding.message


def test_gpus_idle(hardware_plan):
    settle(hardware_plan, "idle")  # other processes on the GPUs: a warning, never a failure


def test_driver_supports_torch(hardware_plan):
    settle(hardware_plan, "driver")  # a warning: the environment nanochat runs in may differ


def test_precision_supported(hardware_plan):
    finding = settle(hardware_plan, "precision")
    assert finding.status != "fail", finding.message


def test_fp8_supported(hardware_plan):
    finding = settle(hardware_plan, "fp8")
    assert finding.status != "fail", finding.message


def test_batch_divides(hardware_plan):
    finding = settle(hardware_plan, "batch")
    assert finding.status == "ok", finding.message


def test_memory_fits(hardware_plan):
    finding = settle(hardware_plan, "memory")
    assert finding.status != "fail", finding.message


def test_vocab_divides_by_ranks(hardware_plan):
    finding = settle(hardware_plan, "vocab")
    assert finding.status == "ok", finding.message


def test_disk_space_for_checkpoints(hardware_plan):
    finding = settle(hardware_plan, "disk")
    assert finding.status == "ok", finding.message


def test_checkpoint_dir_writable(hardware_plan):
    finding = settle(hardware_plan, "writable")
    assert finding.status == "ok", finding.message
