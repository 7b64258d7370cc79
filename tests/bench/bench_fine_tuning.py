#!/usr/bin/env python3
"""Fine-tuning throughput: ResNet-50 (224x224, 1000 classes) trained whole, with its last stage
and head alone, and with its head alone, the rest frozen: twb-engine's `bench --freeze` against
PyTorch with requires_grad off, side by side on the same model, batch, threads, SGD + momentum
and cross-entropy, on fixed random inputs.

PyTorch gets its best settings (peer_setup.prepare_torch) and is timed in NCHW and in
channels-last, keeping the faster. The VM's speed drifts, so the set-ups run in --rounds interleaved
rounds and each peer keeps its best.

Usage: tests/bench/bench_fine_tuning.py [--engine build/release/engine/twb-engine] [--batch 16]
       [--threads 2] [--rounds 2]
"""
import argparse
import os
import sys

from peer_setup import DEFAULT_ENGINE, prepare_torch, run_engine_bench, torch_training_rate

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import torch_models  # noqa: E402  (tests/torch_models.py)

# (set-up, the engine's --freeze patterns, how many leading modules of the PyTorch model's
# Sequential are frozen: the stem and its pool (2), then 3, 4, 6 and 3 blocks by stage).
SETUPS = [("whole model", [], 0),
          ("last stage and head", ["stem*", "layer1*", "layer2*", "layer3*"], 2 + 3 + 4 + 6),
          ("head alone", ["stem*", "layer*"], 2 + 3 + 4 + 6 + 3)]


def torch_rate(torch, frozen_modules, batch, warmup, steps, channels_last):
    torch.manual_seed(0)
    model = torch_models.resnet(torch, 50, False, 1000)
    for module in list(model)[:frozen_modules]:
        for p in module.parameters():
            p.requires_grad_(False)
    x = torch.randn(batch, 3, 224, 224)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 1000, (batch,))
    return torch_training_rate(torch, model, x, y, warmup, steps)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", default=DEFAULT_ENGINE)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    torch = prepare_torch(args.threads)
    best = {}
    for _ in range(args.rounds):
        for name, patterns, frozen_modules in SETUPS:
            freeze = [a for p in patterns for a in ("--freeze", p)]
            ours = run_engine_bench(args.engine, "resnet50", "train", "fp32", args.batch,
                                    args.threads, args.warmup, args.steps,
                                    extra_args=freeze)["samples_per_s"]
            theirs = max(torch_rate(torch, frozen_modules, args.batch, args.warmup, args.steps,
                                    channels_last) for channels_last in (False, True))
            old = best.get(name, (0, 0))
            best[name] = (max(old[0], ours), max(old[1], theirs))
    whole = best["whole model"]
    print(f"ResNet-50 fine-tuning, batch {args.batch}, {args.threads} threads, "
          f"best of {args.rounds} rounds (samples/s)")
    print(f"{'set-up':<22} {'twb':>8} {'PyTorch':>8} {'twb/PyTorch':>12} {'twb vs whole':>13} "
          f"{'PyTorch vs whole':>17}")
    for name, _, _ in SETUPS:
        ours, theirs = best[name]
        print(f"{name:<22} {ours:8.2f} {theirs:8.2f} {ours / theirs:11.2f}x "
              f"{ours / whole[0]:12.2f}x {theirs / whole[1]:16.2f}x")


if __name__ == "__main__":
    main()
