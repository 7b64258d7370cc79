#!/usr/bin/env python3
"""Tensor fusion across a link with latency: ResNet-50's gradient tensors, one all-reduce per
tensor against fused buckets reduced in place, between two hosts (network namespaces) joined by
a link that holds every packet for a fixed one-way delay (delay_link.py; this kernel has no
netem). One rank per host, one `bench_fusion --rank` process each, for each delay in turn.

On loopback (bench_fusion alone) fusion saves only the per-call cost of a reduction; between
machines every all-reduce also waits for its messages to cross the link (a 2-rank ring makes two
hops: the first waits for the peer's "ready to receive" message and then the data, the second
only for the data, 3 one-way delays), which fusion pays once per bucket instead of once per
tensor. Each row after the first also gives what the scaling model's latency
term (bench_shaped_link.ring_latency_s, from the link's alpha, measured on it as the scaling
benchmark measures its links, with its beta) predicts from the first row: its time plus, for
every all-reduce, the latency added since.

Needs root. Usage:
  sudo /usr/bin/python3 tests/bench/bench_fusion_latency.py [--delays-ms 0 0.1 0.5 1 2]
      [--bucket-mib 25] [--rounds 3] [--streams 1] [--bench build/release/tests/bench_fusion]
Prints one row per delay (a Markdown table), then the round trip from which the same model
puts fusion at 5x on this link (docs/benchmarks.md, *Where the 5x begins*); exits 1 when fusion
is not at least 5x faster at the largest delay.
"""
import argparse
import os
import re
import secrets
import subprocess
import sys

import bench_shaped_link
from bench_shaped_link import ring_latency_s
from delay_link import DelayLink

TIMES = re.compile(r"one all-reduce per tensor:\s+([\d.]+) ms.*fused, copied in and out:\s+([\d.]+)"
                   r" ms.*fused, reduced in place:\s+([\d.]+) ms", re.S)
COUNTS = re.compile(r"(\d+) gradient tensors.*; (\d+) buckets")


def fusion_across(link, bench, model, bucket_mib, rounds, streams):
    """Per-tensor, fused-copied and fused-in-place times (best of the rounds) seen by rank 0,
    and the number of tensors and of buckets."""
    rendezvous = f"{link.address[0]}:29517"
    secret = secrets.token_hex(16)
    common = ["--model", model, "--bucket-mib", str(bucket_mib), "--rounds", str(rounds),
              "--streams", str(streams), "--rendezvous", rendezvous, "--secret", secret]
    ranks = [subprocess.Popen(link.in_host(rank, bench, "--rank", str(rank), *common),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for rank in (0, 1)]
    outputs = [rank.communicate(timeout=1800)[0] for rank in ranks]
    times, counts = TIMES.search(outputs[0]), COUNTS.search(outputs[0])
    if not times or not counts:
        sys.exit(f"bench_fusion on rank 0 printed no times:\n{outputs[0]}\nrank 1:\n{outputs[1]}")
    return [float(value) for value in times.groups()], [int(value) for value in counts.groups()]


def five_times_round_trip_ms(first, tensors, buckets):
    """The round trip (ms) from which fused buckets are 5x faster than one all-reduce per tensor,
    from the first row (round trip, per-tensor and in-place ms): both send the same bytes, so
    each call's cost c (latency and software) and the bytes' time b follow from the two columns,
    and 5x needs c * (tensors - 5 * buckets) >= 4 * b; c grows by ring_latency_s per one-way
    delay added."""
    round_trip, per_tensor, in_place = first
    per_call = (per_tensor - in_place) / (tensors - buckets)
    bytes_ms = in_place - buckets * per_call
    needed = 4 * bytes_ms / (tensors - 5 * buckets)
    return max(round_trip, round_trip + 2 * (needed - per_call) / ring_latency_s(2, 1.0))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delays-ms", type=float, nargs="+", default=[0, 0.1, 0.5, 1, 2])
    parser.add_argument("--bucket-mib", type=float, default=25)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model", default="resnet50")
    parser.add_argument("--streams", type=int, default=1,
                        help="parallel connections per peer, for both ways alike")
    parser.add_argument("--bench", default=os.path.join(os.path.dirname(__file__), "..", "..",
                                                        "build", "release", "tests", "bench_fusion"))
    args = parser.parse_args()
    bench = os.path.abspath(args.bench)
    print(f"{args.model}, buckets of {args.bucket_mib} MiB, 2 ranks on two hosts, "
          f"{args.streams} stream(s), best of {args.rounds} rounds")
    print("| one-way delay | round trip | link both ways | one per tensor (predicted) | "
          "fused, copied | fused, in place (predicted) | in place faster by |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    ratio, first = 0.0, None
    for delay in args.delays_ms:
        with DelayLink(delay) as link:
            measured = bench_shaped_link.link_pair(bench_shaped_link.__file__, 29516,
                                                   link.in_host, link.address[1])
            round_trip, rate = 2e3 * measured["alpha_s"], 8e-6 / measured["beta_s_per_byte"]
            (per_tensor, copied, in_place), (tensors, buckets) = fusion_across(
                link, bench, args.model, args.bucket_mib, args.rounds, args.streams)
        first = first or (round_trip, per_tensor, in_place)
        added_ms = 1e3 * (ring_latency_s(2, round_trip / 2e3) - ring_latency_s(2, first[0] / 2e3))
        ratio = per_tensor / in_place
        print(f"| {delay:g} ms | {round_trip:.2f} ms | {rate:.0f} Mbit/s | {per_tensor:.1f} ms "
              f"({first[1] + tensors * added_ms:.0f}) | {copied:.1f} ms | {in_place:.1f} ms "
              f"({first[2] + buckets * added_ms:.0f}) | **{ratio:.2f}×** |", flush=True)
    print(f"model: fused 5x faster from a round trip of "
          f"{five_times_round_trip_ms(first, tensors, buckets):.2f} ms on this link")
    return 0 if ratio >= 5 else 1


if __name__ == "__main__":
    sys.exit(main())
