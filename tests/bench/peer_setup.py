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
