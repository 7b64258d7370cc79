"""Shared set-up of the benchmarks' PyTorch peer and of the engine under test."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_ENGINE = os.path.join(HERE, "../../build/release/engine/twb-engine")


def prepare_torch(threads):
    """Gives PyTorch its best settings on `threads` threads and returns the torch module.

    OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE would override OpenBLAS's own tuning for this CPU, so
    they are removed (and the removal is printed)."""
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if var in os.environ:
            print(f"note: unsetting {var}={os.environ[var]} for PyTorch (its best setting)")
            del os.environ[var]
    os.environ["OMP_NUM_THREADS"] = str(threads)
    import torch
    torch.set_num_threads(threads)
    assert torch.get_num_threads() == threads, "PyTorch would not run on the requested threads"
    return torch


def run_engine_bench(engine, model, mode, precision, batch, threads, warmup, steps):
    """`twb-engine bench ... --json` on one set-up; returns its JSON object after checking that
    the engine ran what was asked."""
    import json
    import subprocess
    result = json.loads(subprocess.run(
        [engine, "bench", model, "--mode", mode, "--precision", precision, "--batch", str(batch),
         "--threads", str(threads), "--steps", str(steps), "--warmup", str(warmup), "--json"],
        check=True, capture_output=True, text=True).stdout)
    assert result["precision"] == precision and result["threads"] == threads, \
        "engine ran another set-up"
    return result
