#!/usr/bin/env python3
"""The image-folder loader against PyTorch's DataLoader with PIL decoding, and the data part of a
training step that reads a folder.

1. Fashion-MNIST is written out as PNG class folders at 32x32 (tests/write_image_folder.py).
2. Loader throughput, side by side: `twb-engine bench resnet18-cifar --mode data` (decode, grey to
   RGB, Resize(32) + CenterCrop(32), normalise, batches of 128, its default worker count: one per
   core) against torchvision's ImageFolder + the same transforms through a DataLoader with 2
   worker processes, shuffled, batches of 128. Each peer's best of --rounds interleaved rounds.
3. Data stall: `twb-engine train` of resnet18-cifar from the folder for --steps steps; the step's
   data part is the sum of the metrics' data_ms over the sum of their step_ms.

Usage: tests/bench/bench_image_loader.py [--engine build/release/engine/twb-engine] [--rounds 3]
Exits 1 when a target of docs/benchmarks.md is missed (>= 2x PyTorch; data part <= 5 %).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from peer_setup import DEFAULT_ENGINE, HERE

BATCH, SIZE, TRAIN, TEST = 128, 32, 20000, 2000
TARGET_VS_TORCH, TARGET_DATA_SHARE = 2.0, 0.05


def torch_images_per_s(folder, batches, workers=2):
    import torch
    from torchvision import datasets, transforms
    torch.set_num_threads(1)
    transform = transforms.Compose([
        transforms.Lambda(lambda image: image.convert("RGB")), transforms.Resize(SIZE),
        transforms.CenterCrop(SIZE), transforms.ToTensor(),
        transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    data = datasets.ImageFolder(os.path.join(folder, "train"), transform=transform)
    loader = torch.utils.data.DataLoader(data, batch_size=BATCH, shuffle=True, drop_last=True,
                                         num_workers=workers, persistent_workers=True)
    drawn, start = 0, None
    while drawn < batches + 10:
        for _ in loader:
            drawn += 1
            if drawn == 10:  # the workers are up and the first batches are out
                start = time.perf_counter()
            if drawn == batches + 10:
                break
    return batches * BATCH / (time.perf_counter() - start)


def engine_images_per_s(engine, folder, batches):
    out = subprocess.run([engine, "bench", "resnet18-cifar", "--mode", "data", "--dataset",
                          "images:" + folder, "--batch", str(BATCH), "--warmup", "10",
                          "--steps", str(batches), "--json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["samples_per_s"]


def data_share_of_training(engine, folder, steps, work):
    job = {"name": "resnet18-cifar-folder", "model": {"template": "resnet18-cifar"},
           "dataset": "images:" + folder, "optimizer": {"type": "sgd", "lr": 0.05,
                                                         "momentum": 0.9},
           "batch": BATCH, "epochs": 1, "max_steps": steps, "seed": 1, "threads": 2,
           "eval": {"every_epoch": False}}
    job_path, events = os.path.join(work, "job.json"), os.path.join(work, "events.jsonl")
    with open(job_path, "w") as f:
        json.dump(job, f)
    subprocess.run([engine, "train", job_path, "--out", os.path.join(work, "run"),
                    "--events", events], check=True, capture_output=True)
    data_ms = step_ms = 0.0
    with open(events) as f:
        for line in f:
            event = json.loads(line)
            if event.get("type") == "step" and "data_ms" in event:
                data_ms += event["data_ms"]
                step_ms += event["step_ms"]
    return data_ms / step_ms


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default=DEFAULT_ENGINE)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--train-steps", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        folder = os.path.join(work, "fashion-mnist-32")
        subprocess.run([sys.executable, os.path.join(HERE, "../write_image_folder.py"), folder,
                        "--size", str(SIZE), "--train", str(TRAIN), "--test", str(TEST)],
                       check=True)
        ours = theirs = 0.0
        for _ in range(args.rounds):
            ours = max(ours, engine_images_per_s(args.engine, folder, args.batches))
            theirs = max(theirs, torch_images_per_s(folder, args.batches))
        share = data_share_of_training(args.engine, folder, args.train_steps, work)
    ratio = ours / theirs
    print(f"image folder, {TRAIN} PNGs of {SIZE}x{SIZE} grey -> 3x{SIZE}x{SIZE}, batch {BATCH}")
    print(f"  twb-engine loader     {ours:9.0f} images/s")
    print(f"  PyTorch DataLoader    {theirs:9.0f} images/s (PIL, 2 workers)")
    print(f"  ratio                 {ratio:9.2f}x   (target >= {TARGET_VS_TORCH}x)")
    print(f"  resnet18-cifar training from the folder: data part {100 * share:.1f} % of the step"
          f" (target <= {100 * TARGET_DATA_SHARE:.0f} %)")
    return 0 if ratio >= TARGET_VS_TORCH and share <= TARGET_DATA_SHARE else 1


if __name__ == "__main__":
    sys.exit(main())
