#!/usr/bin/env python3
"""int8 inference against the engine's own fp32, side by side in one run, with PyTorch's fp32
inference of the same model as a named peer.

Models: cnn-small (1x28x28) and resnet50 (3x224x224), batch 64, 2 threads, fixed random inputs
(synthetic), inference only. twb-engine runs `bench MODEL --mode infer --precision fp32|int8
--json`; for int8 the template is first calibrated on 64 random samples (the weights do not
change the speed). PyTorch (python3-torch) runs the same model in plain PyTorch under
torch.inference_mode(), NCHW and channels-last, keeping the faster. Each figure is the best of
--rounds interleaved rounds (a shared VM drifts).

Usage: tests/bench/bench_int8.py [--engine build/release/engine/twb-engine] [--rounds 2]
Exits 1 when int8 is below 2.5x the engine's fp32 (the target of docs/benchmarks.md).
"""
import argparse
import json
import os
import statistics
import sys
import time

from peer_setup import DEFAULT_ENGINE, prepare_torch, run_engine_bench

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import torch_models  # noqa: E402  (tests/torch_models.py)

THREADS = 2
BATCH = 64
MODELS = {"cnn-small": ((1, 28, 28), 10, (5, 30)), "resnet50": ((3, 224, 224), 1000, (1, 3))}


def time_torch(name, channels_last):
    import torch
    torch.manual_seed(0)
    shape, classes, (warmup, steps) = MODELS[name]
    model = torch_models.by_name(torch, name, classes).eval()
    x = torch.randn(BATCH, *shape)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    times = []
    with torch.inference_mode():
        for step in range(warmup + steps):
            t0 = time.perf_counter()
            model(x)
            if step >= warmup:
                times.append(time.perf_counter() - t0)
    return BATCH / statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", default=DEFAULT_ENGINE)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    torch = prepare_torch(THREADS)

    rows, failed = [], False
    for name in args.models.split(","):
        best = {}
        for _ in range(args.rounds):
            for precision in ("fp32", "int8"):
                warmup, steps = MODELS[name][2]
                r = run_engine_bench(args.engine, name, "infer", precision, BATCH, THREADS, warmup, steps)
                key = "twb_" + precision
                if r["samples_per_s"] > best.get(key, {"samples_per_s": 0})["samples_per_s"]:
                    best[key] = r
            for cl in (False, True):
                best["torch_fp32"] = max(best.get("torch_fp32", 0.0), time_torch(name, cl))
        row = {"model": name, "batch": BATCH, "threads": THREADS,
               "twb_fp32": best["twb_fp32"]["samples_per_s"], "twb_int8": best["twb_int8"]["samples_per_s"],
               "torch_fp32": best["torch_fp32"],
               "twb_fp32_mfu": best["twb_fp32"]["mfu"], "twb_int8_mfu": best["twb_int8"]["mfu"]}
        assert row["twb_fp32"] > 0 and row["twb_int8"] > 0 and row["torch_fp32"] > 0, f"{name}: no throughput"
        row["int8_speedup"] = row["twb_int8"] / row["twb_fp32"]
        row["int8_vs_torch_fp32"] = row["twb_int8"] / row["torch_fp32"]
        row["target_met"] = row["int8_speedup"] >= 2.5
        failed |= not row["target_met"]
        rows.append(row)
        print(f"{name} (batch {BATCH}, {THREADS} threads, inference): twb fp32 {row['twb_fp32']:.1f} / "
              f"int8 {row['twb_int8']:.1f} samples/s = {row['int8_speedup']:.2f}x (MFU {row['twb_fp32_mfu']:.0%}"
              f" / {row['twb_int8_mfu']:.0%} of each precision's matmul peak); torch fp32 "
              f"{row['torch_fp32']:.1f} ({row['int8_vs_torch_fp32']:.2f}x); int8 >= 2.5x fp32: "
              f"{'met' if row['target_met'] else 'MISSED'}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"torch": torch.__version__, "results": rows}, f, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
