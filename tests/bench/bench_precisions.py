#!/usr/bin/env python3
"""bf16 mixed precision against fp32, and both against PyTorch, side by side in one run.

Models and batches: resnet18-cifar at 128, resnet50 (224x224) at 16, the mlp at 128,
mobilenet-v2-cifar at 64 and vit-tiny at 128 (PyTorch's with nn.MultiheadAttention); 2 threads; SGD with momentum and softmax cross-entropy on fixed random inputs, so only the training
step is timed. twb-engine runs `bench MODEL --precision fp32|bf16 --json`; PyTorch (Debian's
python3-torch) runs the same ResNet written here in plain PyTorch (torchvision is not packaged),
in fp32 and under torch.autocast('cpu', torch.bfloat16), each in NCHW and channels-last, keeping
the faster. Each measurement is the best of --rounds interleaved rounds (a shared VM drifts).

Usage: tests/bench/bench_precisions.py [--engine build/release/engine/twb-engine] [--rounds 2]
Exits 1 when a target of docs/benchmarks.md is missed.
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
MODELS = {"resnet18-cifar": (128, (3, 32, 32), 10), "resnet50": (16, (3, 224, 224), 1000),
          "mlp": (128, (1, 28, 28), 10), "mobilenet-v2-cifar": (64, (3, 32, 32), 10),
          "vit-tiny": (128, (1, 28, 28), 10)}
STEPS = {"resnet18-cifar": (2, 5), "resnet50": (2, 4), "mlp": (10, 50),  # warm-up, timed
         "mobilenet-v2-cifar": (2, 6), "vit-tiny": (5, 30)}


def time_torch(name, bf16, channels_last):
    import torch
    torch.manual_seed(0)
    batch, shape, classes = MODELS[name]
    model = torch_models.by_name(torch, name, classes)
    x = torch.randn(batch, *shape)
    y = torch.randint(0, classes, (batch,))
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    warmup, steps = STEPS[name]
    times = []
    for step in range(warmup + steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            out = model(x)
        loss_fn(out.float(), y).backward()
        opt.step()
        if step >= warmup:
            times.append(time.perf_counter() - t0)
    return batch / statistics.median(times)


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
            for precision in ("fp32", "bf16"):
                warmup, steps = STEPS[name]
                r = run_engine_bench(args.engine, name, "train", precision, MODELS[name][0], THREADS,
                                     warmup, steps)
                key = "twb_" + precision
                if r["samples_per_s"] > best.get(key, {"samples_per_s": 0})["samples_per_s"]:
                    best[key] = r
                for cl in ([False, True] if name != "mlp" else [False]):
                    key = "torch_" + precision
                    try:
                        s = time_torch(name, precision == "bf16", cl)
                    except RuntimeError as e:  # PyTorch 1.13 has no bf16 backward of ReLU6 on CPU
                        print(f"note: PyTorch cannot train {name} in {precision}: {e}")
                        best["torch_cannot_" + precision] = str(e)
                        continue
                    best[key] = max(best.get(key, 0.0), s)
        if "torch_bf16" not in best:  # the peer's best run is then its fp32 one
            best["torch_bf16"] = best["torch_fp32"]
        row = {"model": name, "batch": MODELS[name][0], "threads": THREADS,
               "twb_fp32": best["twb_fp32"]["samples_per_s"], "twb_bf16": best["twb_bf16"]["samples_per_s"],
               "torch_fp32": best["torch_fp32"], "torch_bf16": best["torch_bf16"],
               "twb_fp32_mfu": best["twb_fp32"]["mfu"], "twb_bf16_mfu": best["twb_bf16"]["mfu"]}
        assert min(row["twb_fp32"], row["twb_bf16"], row["torch_fp32"], row["torch_bf16"]) > 0, \
            f"{name}: no throughput"
        if "torch_cannot_bf16" in best:
            row["torch_bf16_failed"] = best["torch_cannot_bf16"]
        row["bf16_speedup"] = row["twb_bf16"] / row["twb_fp32"]
        row["vs_torch_fp32"] = row["twb_fp32"] / row["torch_fp32"]
        row["vs_torch_bf16"] = row["twb_bf16"] / row["torch_bf16"]
        if name == "mlp":
            row["targets"] = {"twb bf16 >= torch bf16": row["vs_torch_bf16"] >= 1.0}
        elif name in ("mobilenet-v2-cifar", "vit-tiny"):
            row["targets"] = {"fp32 >= 1.3x torch": row["vs_torch_fp32"] >= 1.3,
                              "bf16 >= 1.3x torch": row["vs_torch_bf16"] >= 1.3}
        else:
            row["targets"] = {"bf16 >= 1.8x fp32": row["bf16_speedup"] >= 1.8,
                              "fp32 >= 1.3x torch": row["vs_torch_fp32"] >= 1.3,
                              "bf16 >= 1.2x torch": row["vs_torch_bf16"] >= 1.2}
        failed |= not all(row["targets"].values())
        rows.append(row)
        print(f"{name} (batch {row['batch']}, {THREADS} threads): twb fp32 {row['twb_fp32']:.1f} / bf16 "
              f"{row['twb_bf16']:.1f} samples/s ({row['bf16_speedup']:.2f}x, MFU {row['twb_fp32_mfu']:.0%} / "
              f"{row['twb_bf16_mfu']:.0%}); torch fp32 {row['torch_fp32']:.1f} / bf16 {row['torch_bf16']:.1f}; "
              f"vs torch {row['vs_torch_fp32']:.2f}x fp32, {row['vs_torch_bf16']:.2f}x bf16; "
              + ", ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in row["targets"].items()), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"torch": torch.__version__, "results": rows}, f, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
