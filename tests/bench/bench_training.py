#!/usr/bin/env python3
"""fp32 training throughput of twb-engine against PyTorch, side by side in one run.

Both train the same models (mlp 784-512-256-10 and cnn-small) at the same batch (128) on the
same number of threads (2) with SGD + momentum and softmax cross-entropy, on fixed random
inputs, so only the training step is timed. The oneDNN fp32 matmul peak is measured by
twb-engine in the same run; MFU = achieved model FLOP/s (3x forward FLOPs per step) / that peak.

PyTorch is Debian's python3-torch with its BLAS from libopenblas0-pthread; it gets its best
settings: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from its environment (said so when
present), and cnn-small is timed both in NCHW and channels-last, keeping the faster.

The machine is a shared VM whose speed drifts from second to second, so each peer is timed in
--rounds interleaved rounds and keeps its best round; the peak is the best seen in any round.
MFU counts the FLOPs the step performs (forward, weight gradients, and input gradients except
the first layer's, which neither engine computes).

Usage: tests/bench/bench_training.py [--engine build/release/engine/twb-engine] [--rounds 3]
       [--no-winograd]
Exits 1 when a target of docs/benchmarks.md is missed.
"""
import argparse
import json
import os
import sys

from peer_setup import DEFAULT_ENGINE, prepare_torch, run_engine_bench, torch_training_rate

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import torch_models  # noqa: E402  (tests/torch_models.py)

BATCH, THREADS = 128, 2
TARGETS = {"mlp": {"vs_torch": 3.0, "mfu": 0.40}, "cnn-small": {"vs_torch": 1.3}}


def time_torch(name, steps, warmup, channels_last):
    import torch
    torch.manual_seed(0)
    model = torch_models.by_name(torch, name, 10)
    x = torch.randn(BATCH, 1, 28, 28)
    y = torch.randint(0, 10, (BATCH,))
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    return torch_training_rate(torch, model, x, y, warmup, steps)


def torch_blas():
    with open("/proc/self/maps") as f:
        maps = f.read()
    for lib in ("libopenblas", "libblis", "libmkl", "libblas"):
        if lib in maps:
            line = next(l for l in maps.splitlines() if lib in l)
            return line.split()[-1]
    return "unknown"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", default=DEFAULT_ENGINE)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--no-winograd", action="store_true",
                        help="sum twb-engine's 3x3 convolutions directly, as PyTorch does")
    args = parser.parse_args()

    torch = prepare_torch(THREADS)
    torch_version = torch.__version__
    blas = torch_blas()

    results, failed = [], False
    for name in ("mlp", "cnn-small"):
        layouts = [False, True] if name == "cnn-small" else [False]
        ours, peer, peak = None, {}, 0.0
        for _ in range(args.rounds):
            run = run_engine_bench(args.engine, name, "train", "fp32", BATCH, THREADS,
                                   args.warmup, args.steps, not args.no_winograd)
            peak = max(peak, run["peak_gflops"])
            if ours is None or run["samples_per_s"] > ours["samples_per_s"]:
                ours = run
            for cl in layouts:
                key = "channels_last" if cl else "default"
                peer[key] = max(peer.get(key, 0.0), time_torch(name, args.steps, args.warmup, cl))
        best_layout = max(peer, key=peer.get)
        row = {"model": name, "batch": BATCH, "threads": THREADS,
               "twb_samples_per_s": ours["samples_per_s"], "twb_step_ms_p50": ours["step_ms_p50"],
               "torch_samples_per_s": peer[best_layout], "torch_layout": best_layout,
               "speedup_vs_torch": ours["samples_per_s"] / peer[best_layout],
               "twb_gflops": ours["gflops"], "onednn_peak_gflops": peak,
               "mfu": ours["gflops"] / peak}
        target = TARGETS[name]
        row["meets_targets"] = row["speedup_vs_torch"] >= target["vs_torch"] and \
            row["mfu"] >= target.get("mfu", 0)
        failed |= not row["meets_targets"]
        results.append(row)

    print(f"PyTorch {torch_version} (BLAS: {blas}), batch {BATCH}, {THREADS} threads" +
          (", twb-engine's convolutions summed directly" if args.no_winograd else ""))
    print(f"{'model':<10} {'twb samples/s':>14} {'torch samples/s':>16} {'speedup':>8} "
          f"{'twb GFLOP/s':>12} {'peak':>7} {'MFU':>6}  targets")
    for r in results:
        t = TARGETS[r["model"]]
        want = f">= {t['vs_torch']}x torch" + (f", MFU >= {t['mfu']:.0%}" if "mfu" in t else "")
        print(f"{r['model']:<10} {r['twb_samples_per_s']:>14.0f} {r['torch_samples_per_s']:>16.0f} "
              f"{r['speedup_vs_torch']:>7.2f}x {r['twb_gflops']:>12.1f} {r['onednn_peak_gflops']:>7.1f} "
              f"{r['mfu']:>6.1%}  {want}: {'met' if r['meets_targets'] else 'MISSED'}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"torch": torch_version, "blas": blas, "results": results}, f, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
