"""The hardware plan: GPUs (probed or a planning target), memory per rank, batch size and disk."""
