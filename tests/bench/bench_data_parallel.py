#!/usr/bin/env python3
"""Data-parallel training of twb-engine against PyTorch DistributedDataParallel (Gloo backend),
side by side in one run.

Both run 2 ranks on this machine, one thread per rank, the same model, per-rank batch, SGD with
momentum and softmax cross-entropy, with gradients averaged every step (PyTorch over loopback
TCP; the engine both over loopback TCP and through shared memory, below). The engine runs `twb-engine train --ranks 2` on its real data loader (Fashion-MNIST, or synthetic
CIFAR-shaped data for resnet18-cifar) and reports its step times in its step events; PyTorch
trains on a fixed random batch (no loader cost), so the comparison favours the peer.

Also measured, for the engine: 1 rank on 1 thread, so that
  scaling efficiency = throughput(2 ranks) / (2 x throughput(1 rank)),
and the communication time of the step and how much of it backward did not hide; and the 2 ranks
both with "hierarchical": false (loopback TCP, as PyTorch's Gloo ranks) and true (through shared
memory: the engine's default for ranks of one machine).

The machine is a shared VM whose speed drifts, so the three set-ups run in --rounds interleaved
rounds and each keeps its best round.

Usage: tests/bench/bench_data_parallel.py [--engine build/release/engine/twb-engine]
                                          [--models cnn-small,resnet18-cifar] [--steps 60]
                                          [--rounds 3] [--batch N]
Exits 1 when a target of docs/benchmarks.md is missed.
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile

from peer_setup import DEFAULT_ENGINE, ddp_median_step, prepare_torch

BATCH = {"cnn-small": 64, "resnet18-cifar": 32, "mlp": 64}
DATA = {"cnn-small": "fashion-mnist", "mlp": "fashion-mnist",
        "resnet18-cifar": "synthetic:3x32x32:10"}
SHAPE = {"cnn-small": (1, 28, 28), "mlp": (1, 28, 28), "resnet18-cifar": (3, 32, 32)}
TARGETS = {"vs_ddp": 1.3, "scaling": 0.90}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def engine_run(engine, model, batch, ranks, steps, folder, hierarchical=False):
    """Samples/s of the engine from its step events once the bucket size and streams are tuned
    (the comm_tuned event; 25 steps), and rank 0's communication per step."""
    job = {"name": f"dp-{model}-{ranks}", "model": {"template": model}, "dataset": DATA[model],
           "batch": batch, "epochs": 1, "max_steps": steps, "seed": 1, "threads": 1,
           "optimizer": {"type": "sgd", "lr": 0.01, "momentum": 0.9},
           "eval": {"every_epoch": False}, "log_every_steps": 10}
    if ranks > 1:  # the engine's default on one machine is shared memory; TCP is asked for
        job["parallel"] = {"strategy": "data", "hierarchical": hierarchical}
    path = os.path.join(folder, job["name"] + ".json")
    events = os.path.join(folder, job["name"] + ".jsonl")
    with open(path, "w") as f:
        json.dump(job, f)
    if os.path.exists(events):
        os.remove(events)  # the events file is appended to
    out = os.path.join(folder, job["name"])
    shutil.rmtree(out, ignore_errors=True)  # train refuses to overwrite an earlier round's run
    args = [engine, "train", path, "--out", out, "--events", events]
    if ranks > 1:
        args += ["--ranks", str(ranks)]
    subprocess.run(args, check=True, capture_output=True)
    seen = [json.loads(line) for line in open(events)]
    tuned = next((e["seq"] for e in seen if e["type"] == "comm_tuned"), 0)
    settled = [e for e in seen if e["type"] == "step" and e["seq"] > tuned][1:]
    assert settled, f"{model}: no steps after tuning; give more --steps"
    step_ms = statistics.median(e["step_ms"] for e in settled)
    comm = statistics.median(e.get("comm_ms", 0) for e in settled)
    exposed = statistics.median(e.get("exposed_comm_ms", 0) for e in settled)
    return ranks * batch * 1e3 / step_ms, step_ms, comm, exposed


def ddp_rank(rank, world, port, model, batch, steps, queue):
    seconds = ddp_median_step(prepare_torch(1), rank, world, f"tcp://127.0.0.1:{port}", model,
                              batch, SHAPE[model], steps)
    if rank == 0:
        queue.put(seconds)


def ddp_run(model, batch, steps):
    import torch.multiprocessing as mp
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    port = free_port()
    procs = [ctx.Process(target=ddp_rank, args=(r, 2, port, model, batch, steps, queue)) for r in range(2)]
    for p in procs:
        p.start()
    seconds = queue.get(timeout=1800)
    for p in procs:
        p.join()
    return 2 * batch / seconds, seconds * 1e3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", default=DEFAULT_ENGINE)
    parser.add_argument("--models", default="cnn-small,resnet18-cifar")
    parser.add_argument("--steps", type=int, default=50, help="per run; 25 tune communication")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, help="per rank, for every model (default: BATCH)")
    args = parser.parse_args()
    missed = []
    print(f"{'model':16} {'set-up':14} {'twb 2 ranks':>14} {'DDP 2 ranks':>14} {'vs DDP':>7} "
          f"{'twb 1 rank':>12} {'scaling':>8} {'comm ms':>8} {'exposed':>8}")
    with tempfile.TemporaryDirectory() as folder:
        for model in args.models.split(","):
            batch = args.batch or BATCH[model]
            tcp, shm, one, ddp = (0, 0, 0, 0), (0, 0, 0, 0), 0, 0
            for _ in range(args.rounds):
                tcp = max(tcp, engine_run(args.engine, model, batch, 2, args.steps, folder))
                shm = max(shm, engine_run(args.engine, model, batch, 2, args.steps, folder, True))
                one = max(one, engine_run(args.engine, model, batch, 1, args.steps, folder)[0])
                ddp = max(ddp, ddp_run(model, batch, args.steps)[0])
            for setup, (rate, _, comm, exposed) in (("loopback TCP", tcp), ("shared memory", shm)):
                print(f"{model:16} {setup:14} {rate:11.0f} /s {ddp:11.0f} /s {rate / ddp:6.2f}x "
                      f"{one:9.0f} /s {rate / (2 * one):7.0%} {comm:8.1f} {exposed:8.1f}")
            # The targets hold for the best set-up a user can choose on one machine.
            two = max(tcp[0], shm[0])
            scaling = two / (2 * one)
            if two / ddp < TARGETS["vs_ddp"]:
                missed.append(f"{model}: {two / ddp:.2f}x DDP (target {TARGETS['vs_ddp']}x)")
            if scaling < TARGETS["scaling"]:
                missed.append(f"{model}: scaling {scaling:.0%} (target {TARGETS['scaling']:.0%})")
    for m in missed:
        print("missed:", m)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
