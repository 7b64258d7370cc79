#!/usr/bin/env python3
"""Peak memory of a training or an inference step, twb-engine against PyTorch, each in a process of its own.

Both run the same models at the same batch on the same threads, with fixed random inputs, for a
few steps: training with SGD and momentum and softmax cross-entropy, inference forward only
(PyTorch in eval mode under torch.no_grad(), twb-engine's frozen inference as `bench` and
`predict` run it). A process's peak is its peak resident set (getrusage's ru_maxrss, which
`twb-engine bench --json` reports as peak_rss_mib), so both count everything their process held:
the model, in training its gradients and optimizer state, the step's values (and gradients), and
the libraries. PyTorch's process holds about 0.3 GiB before its first tensor (Python and
libtorch; printed as its floor); twb-engine's, training the mlp at batch 1, 71 MiB.

PyTorch frees each value once nothing reads it any more (and in training each activation's
gradient once backward has used it); twb-engine keeps the values and gradients in one arena
whose buffers are reused the same way (exec/step_arena.h).

Usage: tests/bench/bench_step_memory.py [--mode train|infer] [--engine build/release/engine/twb-engine] [--no-winograd]
Exits 1 when twb-engine's peak exceeds PyTorch's on a model.
"""
import argparse
import json
import os
import subprocess
import sys

from peer_setup import DEFAULT_ENGINE, run_engine_bench

THREADS = 2
# model, batch, input shape, classes
CASES = {"train": [("cnn-small", 128, (1, 28, 28), 10), ("resnet18-cifar", 128, (3, 32, 32), 10),
                   ("resnet50-cifar", 32, (3, 32, 32), 10)],
         "infer": [("cnn-small", 128, (1, 28, 28), 10), ("resnet18-cifar", 128, (3, 32, 32), 10),
                   ("resnet50", 16, (3, 224, 224), 1000)]}

TORCH_RUN = """
import json, resource, sys
sys.path.insert(0, sys.argv[1])
from peer_setup import prepare_torch
torch = prepare_torch(int(sys.argv[2]))
floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
sys.path.insert(0, sys.argv[1] + "/..")
import torch_models
name, batch, shape, steps = sys.argv[3], int(sys.argv[4]), json.loads(sys.argv[5]), int(sys.argv[6])
classes, mode = int(sys.argv[7]), sys.argv[8]
torch.manual_seed(0)
model = torch_models.by_name(torch, name, classes)
x = torch.randn(batch, *shape)
if mode == "infer":
    model.eval()
    with torch.no_grad():
        for _ in range(steps):
            model(x)
else:
    y = torch.randint(0, classes, (batch,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()
print(json.dumps({"floor_mib": floor / 1024,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def torch_peak(name, batch, shape, classes, mode, steps):
    here = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run([sys.executable, "-c", TORCH_RUN, here, str(THREADS), name, str(batch),
                          json.dumps(list(shape)), str(steps), str(classes), mode],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["train", "infer"], default="train")
    parser.add_argument("--engine", default=DEFAULT_ENGINE)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--no-winograd", action="store_true",
                        help="sum twb-engine's 3x3 convolutions directly (no transformed kernels)")
    args = parser.parse_args()
    failed = False
    print(f"{'training' if args.mode == 'train' else 'inference'}, {THREADS} threads, "
          f"{args.steps} steps; peak resident memory (MiB)" +
          ("; twb-engine's convolutions summed directly" if args.no_winograd else ""))
    print(f"{'model':<16} {'batch':>5} {'twb-engine':>10} {'PyTorch':>8} {'its floor':>9} "
          f"{'twb / PyTorch':>13}")
    for name, batch, shape, classes in CASES[args.mode]:
        ours = run_engine_bench(args.engine, name, args.mode, "fp32", batch, THREADS, 1,
                                args.steps, not args.no_winograd)["peak_rss_mib"]
        peer = torch_peak(name, batch, shape, classes, args.mode, args.steps + 1)
        ratio = ours / peer["peak_mib"]
        failed |= ratio > 1
        print(f"{name:<16} {batch:>5} {ours:>10.0f} {peer['peak_mib']:>8.0f} "
              f"{peer['floor_mib']:>9.0f} {ratio:>12.2f}x")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
