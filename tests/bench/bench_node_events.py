#!/usr/bin/env python3
"""Events streamed by the node service: throughput over a unix socket and worker-to-client latency.

A real `twb-engine serve` runs one training job that logs every step (a small mlp, so events come
as fast as training makes them). A `twb-engine client watch --json` follows it live; for each
event the latency is the client's arrival time minus the event's own `time` (stamped by the worker
as it appends the event to the durable log, same clock). After the job, the whole log is streamed
again from seq 0 (the replay a reconnecting client gets) and timed.

Peer, side by side: the same events read straight from the job's events.jsonl on local disk and
parsed in this process (what a client on the node itself could do without the service).

Usage: tests/bench/bench_node_events.py [--engine PATH] [--steps N]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from peer_setup import DEFAULT_ENGINE


def start_daemon(engine, folder):
    socket = os.path.join(folder, "run", "node.sock")
    daemon = subprocess.Popen([engine, "serve", "--listen", "unix:" + socket, "--data-dir",
                               os.path.join(folder, "data")], stdout=subprocess.PIPE, text=True)
    line = daemon.stdout.readline()
    assert "serving on" in line, f"daemon did not start: {line!r}"
    return daemon, "unix:" + socket


def watch(engine, node, job_id, on_line):
    client = subprocess.Popen([engine, "client", "--node", node, "watch", job_id, "--json"],
                              stdout=subprocess.PIPE, text=True, bufsize=1 << 20)
    for line in client.stdout:
        on_line(line)
    assert client.wait() == 0, "watch failed"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", default=DEFAULT_ENGINE)
    parser.add_argument("--steps", type=int, default=30000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        os.chmod(folder, 0o700)
        daemon, node = start_daemon(args.engine, folder)
        try:
            job = {"name": "events-bench", "model": {"template": "mlp", "args": {"hidden": [32]}},
                   "batch": 16, "epochs": 0, "max_steps": args.steps, "log_every_steps": 1,
                   "eval": {"every_epoch": False}, "threads": 1,
                   "optimizer": {"type": "sgd", "lr": 0.01}}
            job_file = os.path.join(folder, "job.json")
            with open(job_file, "w") as f:
                json.dump(job, f)
            submitted = subprocess.run([args.engine, "client", "--node", node, "submit", job_file],
                                       check=True, capture_output=True, text=True).stdout
            job_id = submitted.split()[0]

            latencies, live_seqs = [], []

            def live(line):
                arrived = time.time()
                event = json.loads(line)
                live_seqs.append(event["seq"])
                if event["type"] == "step":
                    latencies.append((arrived - event["time"]) * 1000)

            started = time.time()
            watch(args.engine, node, job_id, live)
            live_seconds = time.time() - started

            replay_seqs = []
            started = time.perf_counter()
            watch(args.engine, node, job_id, lambda line: replay_seqs.append(json.loads(line)["seq"]))
            replay_seconds = time.perf_counter() - started

            log = os.path.join(folder, "data", "jobs", job_id, "events.jsonl")
            started = time.perf_counter()
            with open(log) as f:
                disk_seqs = [json.loads(line)["seq"] for line in f]
            disk_seconds = time.perf_counter() - started
        finally:
            daemon.terminate()
            daemon.wait()

    n = len(replay_seqs)
    assert live_seqs == list(range(1, n + 1)) and replay_seqs == live_seqs == disk_seqs, \
        "a stream lost, doubled or reordered events"
    assert len(latencies) >= args.steps, "fewer step events than steps"
    latencies.sort()
    p50 = latencies[len(latencies) // 2]
    p99 = latencies[int(len(latencies) * 0.99)]
    replay_rate = n / replay_seconds
    disk_rate = n / disk_seconds
    print(f"events: {n} ({len(latencies)} step events), live for {live_seconds:.2f} s "
          f"= {n / live_seconds:.0f} events/s as the job made them")
    print(f"latency worker -> client (live): p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
          f"mean {statistics.mean(latencies):.2f} ms, max {latencies[-1]:.2f} ms "
          f"(targets: p50 <= 5 ms, p99 <= 50 ms)")
    print(f"replay over the unix socket: {replay_rate:.0f} events/s (target >= 50000), "
          f"client process start included")
    print(f"peer, the same log parsed from local disk in this process: {disk_rate:.0f} events/s; "
          f"socket / disk = {replay_rate / disk_rate:.2f}x")
    ok = p50 <= 5 and p99 <= 50 and replay_rate >= 50000
    print("targets met" if ok else "targets MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
