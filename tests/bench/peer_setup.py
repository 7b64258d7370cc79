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


def run_engine_bench(engine, model, mode, precision, batch, threads, warmup, steps,
                     winograd=True, extra_args=()):
    """`twb-engine bench ... --json` on one set-up (winograd=False: --no-winograd, every fp32
    convolution summed directly; `extra_args` such as --freeze after the rest); returns its JSON
    object after checking that the engine ran what was asked. Engines before --no-winograd
    (compared with --engine) always used Winograd."""
    import json
    import subprocess
    result = json.loads(subprocess.run(
        [engine, "bench", model, "--mode", mode, "--precision", precision, "--batch", str(batch),
         "--threads", str(threads), "--steps", str(steps), "--warmup", str(warmup), "--json"] +
        ([] if winograd else ["--no-winograd"]) + list(extra_args),
        check=True, capture_output=True, text=True).stdout)
    assert result["precision"] == precision and result["threads"] == threads and \
        result["batch"] == batch and result.get("winograd", True) == winograd, \
        "engine ran another set-up"
    return result


def torch_training_rate(torch, model, x, y, warmup, steps):
    """Samples per second of PyTorch training `model` on the fixed batch (x, y) with SGD + momentum
    and cross-entropy: the batch over the median of `steps` steps timed after `warmup`."""
    import statistics
    import time
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    times = []
    for step in range(warmup + steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()
        if step >= warmup:
            times.append(time.perf_counter() - t0)
    return x.shape[0] / statistics.median(times)


def ddp_median_step(torch, rank, world, init_method, model, batch, shape, steps):
    """Trains `model` (tests/torch_models.py) with DistributedDataParallel on the Gloo backend for
    `steps` steps of SGD with momentum on a fixed random batch; returns the median seconds of the
    second half's steps. The caller has made torch run on its threads (prepare_torch)."""
    import statistics
    import sys
    import time
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel
    sys.path.insert(0, os.path.join(HERE, ".."))
    import torch_models  # tests/torch_models.py
    dist.init_process_group("gloo", init_method=init_method, rank=rank, world_size=world)
    torch.manual_seed(0)
    net = DistributedDataParallel(torch_models.by_name(torch, model, 10))
    x = torch.randn(batch, *shape)
    y = torch.randint(0, 10, (batch,))
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss_fn(net(x), y).backward()
        opt.step()
        times.append(time.perf_counter() - t0)
    dist.destroy_process_group()
    return statistics.median(times[steps // 2:])
