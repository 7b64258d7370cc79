#!/usr/bin/env python3
"""Memory bounded by the work, not the data: each command runs inside a 4 GiB memory cgroup
(cgroup v2, or v1's memory controller; swap limited too where the kernel accounts it) and must
finish there. Peak memory is the cgroup's high-water mark and the process's own peak RSS.

  1. quantize resnet50 (3x224x224) with 64 calibration samples of a synthetic set, evaluated on
     its 64-sample test part (what the OOM killer stopped at 24 GB before evaluation,
     calibration and the SQNR pass ran in chunks within the inference activation budget)
  2. train resnet18-cifar on a synthetic set of 50 000 samples (generated per read), 40 steps
  3. bench of resnet18-cifar training at batch 128, whose own output prints its peak memory

Needs root (it makes the cgroup). Usage: tests/bench/bench_memory.py [--engine PATH]
Exits 1 when a command fails under the limit.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile

from peer_setup import DEFAULT_ENGINE

LIMIT = 4 << 30


class MemoryCgroup:
    """A fresh memory cgroup limited to LIMIT bytes; run() starts a command inside it."""

    def __init__(self, name):
        v2 = "/sys/fs/cgroup/unified" if os.path.exists("/sys/fs/cgroup/memory") else "/sys/fs/cgroup"
        if os.path.exists("/sys/fs/cgroup/memory/memory.limit_in_bytes"):
            self.path, self.v1 = f"/sys/fs/cgroup/memory/{name}", True
        else:
            self.path, self.v1 = f"{v2}/{name}", False
        os.makedirs(self.path, exist_ok=True)
        if self.v1:
            self._write("memory.limit_in_bytes", LIMIT)
            if os.path.exists(f"{self.path}/memory.memsw.limit_in_bytes"):
                self._write("memory.memsw.limit_in_bytes", LIMIT)
            self._write("memory.max_usage_in_bytes", 0)
        else:
            self._write("memory.max", LIMIT)
            self._write("memory.swap.max", 0)

    def _write(self, name, value):
        with open(f"{self.path}/{name}", "w") as f:
            f.write(str(value))

    def peak(self):
        name = "memory.max_usage_in_bytes" if self.v1 else "memory.peak"
        with open(f"{self.path}/{name}") as f:
            return int(f.read())

    def run(self, command):
        tasks = "tasks" if self.v1 else "cgroup.procs"
        if self.v1:
            self._write("memory.max_usage_in_bytes", 0)
        inside = f'echo $$ > {self.path}/{tasks} && exec "$@"'
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        result = subprocess.run(["sh", "-c", inside, "sh"] + command, capture_output=True,
                                text=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        return result, self.peak(), after if after > before else None

    def remove(self):
        os.rmdir(self.path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default=DEFAULT_ENGINE)
    args = parser.parse_args()
    cgroup = MemoryCgroup(f"twb-bench-memory-{os.getpid()}")
    failed = False
    with tempfile.TemporaryDirectory() as work:
        job = os.path.join(work, "job.json")
        with open(job, "w") as f:
            json.dump({"name": "resnet18-synthetic-50k", "model": {"template": "resnet18-cifar"},
                       "dataset": "synthetic:3x32x32:10:50000", "batch": 128, "max_steps": 40,
                       "epochs": 1, "eval": {"every_epoch": False}, "threads": 2,
                       "optimizer": {"type": "sgd", "lr": 0.05, "momentum": 0.9}}, f)
        commands = {
            "quantize resnet50, 64 calibration samples":
                [args.engine, "quantize", "resnet50", "--calib", "synthetic:3x224x224:1000:320",
                 "--samples", "64", "--out", os.path.join(work, "r50.twbm"), "--no-throughput"],
            "train resnet18-cifar, 50 000 synthetic samples":
                [args.engine, "train", job, "--out", os.path.join(work, "run")],
            "bench resnet18-cifar --batch 128":
                [args.engine, "bench", "resnet18-cifar", "--batch", "128", "--steps", "3",
                 "--warmup", "1", "--json"],
        }
        print(f"limit: {LIMIT >> 20} MiB ({'cgroup v1' if cgroup.v1 else 'cgroup v2'})")
        for name, command in commands.items():
            result, peak, rss = cgroup.run(command)
            ok = result.returncode == 0
            failed |= not ok
            line = f"  {name:48s} {'ok' if ok else 'FAILED':6s} cgroup peak {peak >> 20:5d} MiB"
            if rss:
                line += f", peak RSS {rss >> 10:5d} MiB"
            if command[1] == "bench" and ok:
                line += f", bench's own peak {json.loads(result.stdout)['peak_rss_mib']:.0f} MiB"
            print(line)
            if not ok:
                print(result.stdout[-2000:] + result.stderr[-2000:])
    cgroup.remove()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
