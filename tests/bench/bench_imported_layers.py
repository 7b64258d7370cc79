#!/usr/bin/env python3
"""fp32 training throughput of models a user writes in PyTorch and imports as ONNX, twb-engine
against PyTorch side by side in one run.

Two models on 28 x 28 images, batch 128, 2 threads, SGD + momentum, softmax cross-entropy, fixed
random inputs (only the training step is timed):
- strided-cnn: a 3x3 convolution, then one of stride 2 without padding (28 -> 13, its windows
  leaving the last row unread) from 8 to 16 channels, as hand-written nets have them, and a
  Linear: a shape whose input gradient oneDNN's jit kernels decline in blocked layouts;
- decoder-layers: the layers this importer gained in one net: PReLU, ConvTranspose2d, GroupNorm
  (InstanceNormalization), Mish, Upsample (bilinear), ELU, an adaptive pool.
- rows-lstm, rows-gru: the image's rows as 28 steps of an nn.LSTM or nn.GRU (hidden 128), its last
  step classified.
Each is exported by torch.onnx (opset 13) and trained by `twb-engine bench FILE.onnx`; PyTorch
trains the same module. Interleaved --rounds, the best of each kept (the VM's speed drifts).
No target: the ratio is recorded in docs/benchmarks.md.

Usage: tests/bench/bench_imported_layers.py [--engine build/release/engine/twb-engine] [--rounds 3]
       [--models decoder-layers ...]
"""
import argparse
import os
import sys
import tempfile

from peer_setup import DEFAULT_ENGINE, prepare_torch, run_engine_bench, torch_training_rate

BATCH, THREADS = 128, 2


def models(torch):
    nn = torch.nn

    class Rows(nn.Module):
        """The image's 28 rows as 28 steps of a recurrent layer, its last step classified."""

        def __init__(self, cell):
            super().__init__()
            self.cell = cell(28, 128, batch_first=True)
            self.head = nn.Linear(128, 10)

        def forward(self, x):
            return self.head(self.cell(x.view(-1, 28, 28))[0][:, -1])

    return {
        "strided-cnn": nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(),
                                     nn.Conv2d(8, 16, 3, stride=2), nn.ReLU(), nn.Flatten(),
                                     nn.Linear(16 * 13 * 13, 10)),
        "decoder-layers": nn.Sequential(nn.Conv2d(1, 16, 3, 2, 1), nn.PReLU(16),
                                        nn.ConvTranspose2d(16, 16, 2, stride=2), nn.GroupNorm(4, 16),
                                        nn.Mish(), nn.Conv2d(16, 32, 3, stride=2),
                                        nn.Upsample(scale_factor=2, mode="bilinear"), nn.ELU(),
                                        nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(128, 10)),
        "rows-lstm": Rows(nn.LSTM),
        "rows-gru": Rows(nn.GRU),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", default=DEFAULT_ENGINE)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--models", nargs="+", help="the models to run (default: all)")
    args = parser.parse_args()
    torch = prepare_torch(THREADS)
    torch.manual_seed(0)
    print(f"PyTorch {torch.__version__}, fp32 training, batch {BATCH}, {THREADS} threads")
    print(f"{'model':<15} {'twb samples/s':>14} {'torch samples/s':>16} {'twb / torch':>12}")
    x = torch.randn(BATCH, 1, 28, 28)
    y = torch.randint(0, 10, (BATCH,))
    with tempfile.TemporaryDirectory() as folder:
        for name, model in models(torch).items():
            if args.models and name not in args.models:
                continue
            path = os.path.join(folder, name + ".onnx")
            torch.onnx.export(model, torch.randn(2, 1, 28, 28), path, opset_version=13,
                              input_names=["image"], output_names=["logits"],
                              dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
            ours, peer = 0.0, 0.0
            for _ in range(args.rounds):
                run = run_engine_bench(args.engine, path, "train", "fp32", BATCH, THREADS,
                                       args.warmup, args.steps)
                ours = max(ours, run["samples_per_s"])
                peer = max(peer, torch_training_rate(torch, model, x, y, args.warmup, args.steps))
            print(f"{name:<15} {ours:>14.0f} {peer:>16.0f} {ours / peer:>11.2f}x", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
