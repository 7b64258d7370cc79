#!/usr/bin/env python3
"""GPU training throughput of the CUDA backend against PyTorch eager on the same GPU.

Each model runs in bench_cuda_steps (our engine, one CUDA graph per step after two eager steps)
and in PyTorch eager in this process, at the same batch, with the same optimizer (SGD, momentum
0.9, Nesterov), softmax cross-entropy, on fixed random inputs copied host -> GPU from pinned
memory every step, the loss read back every step. PyTorch gets its best of the default and the
fused optimizer, and for the convolutional models of NCHW and channels-last (cuDNN benchmark
mode off, its default); ours runs both layouts too (GpuPlan::channelsLast) and keeps the better. Rounds are interleaved and each peer keeps its best round.

The wide MLP's target is against cuBLASLt's bf16 matmul peak (8192^3 on random data, its fastest
algorithm), measured by bench_cuda_steps before and after its steps in every round: achieved
FLOP/s of the whole training step / the highest peak the run measured.

Usage: tests/bench/bench_cuda.py --steps-binary build/release/tests/bench_cuda_steps
         [--rounds 3] [--json results.json] [--cases "resnet50 bf16,cnn-small fp32"]
       tests/bench/bench_cuda.py --table results.json
Exits 1 when a target of docs/benchmarks.md is missed or a case fails (the others still run).
"""
import argparse
import json
import subprocess
import sys
import time

import torch

MLP = {"template": "mlp", "args": {"hidden": [512, 256]}}
WIDE = {"template": "mlp", "args": {"input": [8192], "hidden": [8192, 8192, 8192]}}
CNN = {"template": "cnn-small"}
RESNET50 = {"template": "resnet50"}
CASES = [  # name, model, batch, precision, steps, target
    ("mlp fp32", MLP, 256, "fp32", 2000, ("torch", 3.0)),
    ("mlp bf16", MLP, 256, "bf16", 2000, ("torch", 3.0)),
    ("cnn-small fp32", CNN, 256, "fp32", 1000, ("torch", 3.0)),
    ("cnn-small bf16", CNN, 256, "bf16", 1000, ("torch", 3.0)),
    ("wide mlp bf16", WIDE, 8192, "bf16", 30, ("peak", 0.75)),
    ("resnet50 bf16", RESNET50, 128, "bf16", 60, ("torch", 1.1)),
]
# One run of bench_cuda_steps may take this long (its setup, two peak measurements and the
# steps): past it that run is dropped (its phases printed), and a case none of whose runs
# finished is an error; the next case runs either way. The GPU run of 2026-12-04 spent
# its last 7 minutes in ResNet-50's first run without a line of output.
RUN_SECONDS = 90


def torch_model(model):
    """The template's layers in PyTorch: (module, input shape, classes)."""
    if model["template"] == "resnet50":
        import torchvision
        return torchvision.models.resnet50(num_classes=1000).cuda(), [3, 224, 224], 1000
    if model["template"] == "cnn-small":
        nn = torch.nn
        layers = [nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                  nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                  nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10)]
        return nn.Sequential(*layers).cuda(), [1, 28, 28], 10
    args = model["args"]
    shape = args.get("input", [1, 28, 28])
    layers = [torch.nn.Flatten()]
    width = 1
    for d in shape:
        width *= d
    for h in args["hidden"]:
        layers += [torch.nn.Linear(width, h), torch.nn.ReLU()]
        width = h
    layers.append(torch.nn.Linear(width, 10))
    return torch.nn.Sequential(*layers).cuda(), shape, 10


def torch_rate(model_json, batch, precision, steps, fused, channels_last, profile_steps=0):
    """PyTorch's samples/s, and with `profile_steps` the GPU kernels that took most of a step
    then: [(kernel, ms a step)], from its profiler (what ours would have to beat)."""
    model, shape, classes = torch_model(model_json)
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(memory_format=memory_format)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True, fused=fused)
    x_host = torch.randn([batch] + shape).contiguous(memory_format=memory_format).pin_memory()
    y_host = torch.randint(0, 10, (batch,)).pin_memory()
    logits_host = torch.empty((batch, classes)).pin_memory()
    loss_fn = torch.nn.CrossEntropyLoss()
    torch.backends.cuda.matmul.allow_tf32 = precision == "tf32"
    torch.backends.cudnn.allow_tf32 = precision == "tf32"

    def step():
        x = x_host.to("cuda", non_blocking=True)
        y = y_host.to("cuda", non_blocking=True)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=precision == "bf16"):
            out = model(x)
        loss = loss_fn(out.float(), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        logits_host.copy_(out.detach(), non_blocking=True)
        return loss.item()

    for _ in range(20):
        step()
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    torch.cuda.synchronize()
    rate = batch * steps / (time.perf_counter() - start)
    if not profile_steps:
        return rate, []
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(profile_steps):
            step()
        torch.cuda.synchronize()
    per_step = {}
    for event in prof.key_averages():
        micros = getattr(event, "self_device_time_total", None)
        if micros is None:  # before PyTorch 2.4
            micros = getattr(event, "self_cuda_time_total", 0)
        if micros > 0:
            per_step[event.key] = micros / 1000 / profile_steps
    return rate, sorted(per_step.items(), key=lambda kv: -kv[1])[:8]


def ours(binary, model_json, batch, precision, steps, layout, *flags):
    start = time.perf_counter()
    out = subprocess.run([binary, json.dumps(model_json), str(batch), precision, str(steps),
                          f"--{layout}", *flags], check=True, capture_output=True, text=True,
                         timeout=RUN_SECONDS)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    # Each run's own slowest layers: the case's summary shows only the best run's, and the other
    # layout's can be where the next step is (ResNet-50 NHWC, 2026-12-04).
    slowest = ", ".join(f"{layer['node']} {layer['forward_ms'] + layer['backward_ms']:.2f} ms"
                        for layer in result.get("slowest_layers", [])[:3])
    print(f"  ours {layout} {' '.join(flags)}: {time.perf_counter() - start:.1f} s, "
          f"{result['samples_per_s']:.0f}/s; slowest: {slowest}", flush=True)
    return result


def measure(case, binary, rounds, peaks):
    """One case: the best of our layouts and of PyTorch's settings over `rounds` rounds."""
    name, model, batch, precision, steps, (kind, target) = case
    best_ours, best_torch, torch_setting = None, 0.0, None
    images = model["template"] != "mlp"
    too_slow = set()  # layouts whose run went past RUN_SECONDS: not run again
    for _ in range(rounds):
        for layout in ("nhwc", "nchw") if images else ("nchw",):
            if layout in too_slow:
                continue
            try:
                r = ours(binary, model, batch, precision, steps, layout)
            except subprocess.TimeoutExpired as e:  # the other layout may still finish
                too_slow.add(layout)
                got = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
                print(f"  ours {layout}: past {RUN_SECONDS} s; its phases:\n{got}", flush=True)
                continue
            peaks[precision] = max(peaks.get(precision, 0.0), r["peak_tflops"])
            if best_ours is None or r["samples_per_s"] > best_ours["samples_per_s"]:
                best_ours = r
        layouts = (False, True) if images else (False,)
        for fused in (False, True):
            for channels_last in layouts:
                rate, _ = torch_rate(model, batch, precision, steps, fused, channels_last)
                if rate > best_torch:
                    best_torch, torch_setting = rate, (fused, channels_last)
    if best_ours is None:
        raise RuntimeError(f"every run of ours went past {RUN_SECONDS} s")
    # What determinism costs (ours keeps it for bit-identical resume; PyTorch's default does not):
    # one run of the better layout with cuDNN's atomic algorithms allowed, for information.
    if images:
        try:
            free = ours(binary, model, batch, precision, steps, best_ours["layout"],
                        "--nondeterministic")
            best_ours["nondeterministic_samples_per_s"] = free["samples_per_s"]
            best_ours["nondeterministic_slowest_layers"] = free["slowest_layers"]
        except subprocess.TimeoutExpired:
            print(f"  ours nondeterministic: past {RUN_SECONDS} s", flush=True)
    ratio = best_ours["samples_per_s"] / best_torch
    best_ours["peak_tflops"] = peaks[precision]  # the highest the run measured
    mfu = best_ours["step_tflops"] / best_ours["peak_tflops"]
    achieved = ratio if kind == "torch" else mfu
    print(f"{name:14} batch {batch:5}: ours {best_ours['samples_per_s']:12.0f}/s "
          f"[{best_ours['layout']}] "
          f"({best_ours['step_ms']:.3f} ms: eager fwd {best_ours['eager_forward_ms']:.3f} "
          f"bwd {best_ours['eager_backward_ms']:.3f}; {best_ours['step_tflops']:.1f} TFLOP/s, "
          f"peak {best_ours['peak_tflops']:.1f}), torch {best_torch:12.0f}/s, "
          f"x{ratio:.2f} vs torch, {100 * mfu:.1f} % of peak", flush=True)
    if "nondeterministic_samples_per_s" in best_ours:
        print(f"    with nondeterministic algorithms: "
              f"{best_ours['nondeterministic_samples_per_s']:.0f}/s", flush=True)
    for layer in best_ours.get("slowest_layers", []):
        print(f"    {layer['node']:24} fwd {layer['forward_ms']:7.3f} ms  "
              f"bwd {layer['backward_ms']:7.3f} ms  {layer['implementation']}", flush=True)
    result = {"ours": best_ours, "torch_samples_per_s": best_torch, "ratio_vs_torch": ratio,
              "fraction_of_peak": mfu, "met": achieved >= target}
    if kind == "torch" and not result["met"]:
        # Where PyTorch's step goes, kernel by kernel, beside our slowest layers above.
        try:
            _, top = torch_rate(model, batch, precision, 20, *torch_setting, profile_steps=5)
            result["torch_top_kernels"] = top
            for kernel, ms in top:
                print(f"    torch {ms:7.3f} ms  {kernel[:90]}", flush=True)
        except Exception as e:  # the profile is a lead, not the measurement
            print(f"    torch profile failed: {e}", flush=True)
    return result


def print_table(rows):
    """The cases of a results file, one line each: what was measured against its target."""
    for row in rows:
        head = f"{row['case']:14} batch {row['batch']:5}  target {row['target']:11}"
        if "error" in row:
            print(f"{head}  ERROR: {row['error']}")
        else:
            print(f"{head}  x{row['ratio_vs_torch']:.2f} vs torch, "
                  f"{100 * row['fraction_of_peak']:.1f} % of peak  "
                  f"{'met' if row['met'] else 'MISSED'}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps-binary")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", help="results, written again after every case")
    parser.add_argument("--table", metavar="JSON", help="print the table of a results file")
    parser.add_argument("--cases", metavar="NAME,...",
                        help="only these cases, in this order (default: all: "
                             + ", ".join(case[0] for case in CASES) + ")")
    args = parser.parse_args()
    if args.table:
        with open(args.table) as f:
            print_table(json.load(f))
        return 0
    if not args.steps_binary:
        parser.error("--steps-binary is required")
    print(f"GPU: {torch.cuda.get_device_name(0)}, PyTorch {torch.__version__}", flush=True)
    cases = CASES
    if args.cases:
        by_name = {case[0]: case for case in CASES}
        unknown = [name for name in args.cases.split(",") if name not in by_name]
        if unknown:
            parser.error(f"--cases: no case {', '.join(unknown)}")
        cases = [by_name[name] for name in args.cases.split(",")]
    rows, peaks = [], {}
    for case in cases:
        name, _, batch, _, _, (kind, target) = case
        row = {"case": name, "batch": batch, "target": f"{kind} >= {target}", "met": False}
        try:
            row.update(measure(case, args.steps_binary, args.rounds, peaks))
        except subprocess.CalledProcessError as e:  # one case's failure leaves the others to run
            lines = (e.stderr or "").strip().splitlines()
            row["error"] = lines[-1] if lines else f"exit {e.returncode}"
            print(f"{name}: bench_cuda_steps failed: {row['error']}", flush=True)
        except RuntimeError as e:  # every run of ours too slow; PyTorch's CUDA errors, OOM among them
            row["error"] = str(e).splitlines()[0]
            print(f"{name}: PyTorch failed: {row['error']}", flush=True)
        rows.append(row)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(rows, f, indent=2)
    print_table(rows)
    return 0 if all(row["met"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
