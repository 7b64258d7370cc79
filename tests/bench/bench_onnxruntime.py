#!/usr/bin/env python3
"""Inference against ONNX Runtime on the same exported models, fp32 and int8, side by side.

For each model the template (random weights; they do not change the speed) is written as a
model file, calibrated to int8 on 64 synthetic samples, and both are exported as ONNX (int8 in
the QDQ form). A torchvision model (vit_b_16, resnet50_tv, swin_t, efficientnet_b0,
mobilenet_v3_large) is exported by PyTorch itself
(/usr/bin/python3 with torch and torchvision, the batch free) and imported: ONNX Runtime runs
PyTorch's file in fp32, the engine the model it imported from it. twb-engine runs `bench MODEL.twbm --mode infer --precision fp32|int8`; ONNX
Runtime (npm's onnxruntime-node, its CPU build, through tests/bench/ort_infer.js) runs the
exported files on the same batch and intra-op threads with every graph optimisation. Each figure
is the best of --rounds interleaved rounds (a shared VM drifts).

onnxruntime-node, once (its install script fetches GPU parts from elsewhere; the CPU build is in
the package itself):
  npm install --ignore-scripts --prefix build/ort onnxruntime-node

Usage: tests/bench/bench_onnxruntime.py [--engine build/release/engine/twb-engine]
           [--ort build/ort] [--models cnn-small resnet50 mobilenet-v2-cifar vit-tiny lstm
           vit_b_16 resnet50_tv swin_t efficientnet_b0 mobilenet_v3_large] [--rounds 2]
           (default: the templates but lstm)
Exits 1 when a target is missed: >= 1.0x ONNX Runtime in fp32, >= 1.3x in int8.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

from peer_setup import DEFAULT_ENGINE, HERE, run_engine_bench

THREADS = 2
# input shape, classes, batch, (warmup, steps)
MODELS = {"cnn-small": ((1, 28, 28), 10, 64, (5, 30)),
          "resnet50": ((3, 224, 224), 1000, 16, (1, 4)),
          "mobilenet-v2-cifar": ((3, 32, 32), 10, 64, (2, 10)),
          "vit-tiny": ((1, 28, 28), 10, 64, (5, 30)),
          "lstm": ((1, 28, 28), 10, 64, (5, 30)),
          "vit_b_16": ((3, 224, 224), 1000, 8, (1, 4)),
          "resnet50_tv": ((3, 224, 224), 1000, 16, (1, 4)),
          "swin_t": ((3, 224, 224), 1000, 8, (1, 4)),
          "efficientnet_b0": ((3, 224, 224), 1000, 16, (1, 4)),
          "mobilenet_v3_large": ((3, 224, 224), 1000, 16, (1, 4))}
TEMPLATES = ["cnn-small", "resnet50", "mobilenet-v2-cifar", "vit-tiny"]
# torchvision's constructor of each model PyTorch exports.
TORCHVISION = {"vit_b_16": "vit_b_16", "resnet50_tv": "resnet50", "swin_t": "swin_t",
               "efficientnet_b0": "efficientnet_b0", "mobilenet_v3_large": "mobilenet_v3_large"}
TORCHVISION_EXPORT = """
import sys, torch, torchvision
model = getattr(torchvision.models, sys.argv[1])().eval()
x = torch.randn(2, *map(int, sys.argv[3].split(",")))
torch.onnx.export(model, x, sys.argv[2], opset_version=13, input_names=["x"], output_names=["y"],
                  dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
"""
TARGETS = {"fp32": 1.0, "int8": 1.3}


def prepare(engine, name, folder):
    """The template as fp32 and int8 model files and their ONNX exports."""
    shape, classes, _, _ = MODELS[name]
    files = {p: os.path.join(folder, f"{name}-{p}") for p in ("fp32", "int8")}
    synthetic = f"synthetic:{'x'.join(map(str, shape))}:{classes}:80"
    if name in TORCHVISION:
        subprocess.run(["/usr/bin/python3", "-c", TORCHVISION_EXPORT, TORCHVISION[name],
                        files["fp32"] + ".onnx", ",".join(map(str, shape))],
                       check=True, capture_output=True)
        first = ["import", files["fp32"] + ".onnx", "--out", files["fp32"] + ".twbm"]
    else:
        first = ["export", name, "--out", files["fp32"] + ".twbm"]
    steps = [first,
             ["quantize", files["fp32"] + ".twbm", "--calib", synthetic, "--samples", "64",
              "--no-throughput", "--out", files["int8"] + ".twbm"],
             ["export", files["int8"] + ".twbm", "--out", files["int8"] + ".onnx"]]
    if name not in TORCHVISION:
        steps.append(["export", files["fp32"] + ".twbm", "--out", files["fp32"] + ".onnx"])
    for args in steps:
        subprocess.run([engine] + args, check=True, capture_output=True)
    return files


def time_ort(ort_dir, onnx_path, name):
    shape, _, batch, (warmup, steps) = MODELS[name]
    env = dict(os.environ, NODE_PATH=os.path.join(ort_dir, "node_modules"))
    out = subprocess.run(["node", os.path.join(HERE, "ort_infer.js"), onnx_path, str(batch),
                          ",".join(map(str, shape)), str(THREADS), str(warmup), str(steps)],
                         check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out)["samples_per_s"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", default=DEFAULT_ENGINE)
    parser.add_argument("--ort", default=os.path.join(HERE, "../../build/ort"))
    parser.add_argument("--models", nargs="+", default=TEMPLATES, choices=list(MODELS))
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if not os.path.isdir(os.path.join(args.ort, "node_modules", "onnxruntime-node")):
        sys.exit(f"no onnxruntime-node under {args.ort}: npm install --ignore-scripts --prefix "
                 f"{args.ort} onnxruntime-node")
    missed = False
    with tempfile.TemporaryDirectory() as folder:
        print(f"{'model':20} {'batch':>5} {'prec':5} {'twb /s':>9} {'ORT /s':>9} {'ratio':>6}  target")
        for name in args.models:
            files = prepare(args.engine, name, folder)
            _, _, batch, (warmup, steps) = MODELS[name]
            for precision in ("fp32", "int8"):
                ours, theirs = 0.0, 0.0
                for _ in range(args.rounds):
                    ours = max(ours, run_engine_bench(args.engine, files[precision] + ".twbm", "infer",
                                                      precision, batch, THREADS, warmup,
                                                      steps)["samples_per_s"])
                    theirs = max(theirs, time_ort(args.ort, files[precision] + ".onnx", name))
                ratio = ours / theirs
                met = ratio >= TARGETS[precision]
                missed = missed or not met
                print(f"{name:20} {batch:5} {precision:5} {ours:9.1f} {theirs:9.1f} {ratio:5.2f}x"
                      f"  >= {TARGETS[precision]}x {'met' if met else 'MISSED'}", flush=True)
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
