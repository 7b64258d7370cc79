#!/usr/bin/env python3
"""Data parallel over a shaped link, and a scaling model checked against it.

Two network-namespace hosts on a bridge whose links `tc tbf` rate-limits (this kernel has no
netem), each running a real `twb-engine serve`; the job runs across them from `twb-engine client`
(2 ranks, one per host, one thread each). Side by side on the same hosts and link: PyTorch
DistributedDataParallel (Gloo backend), one process per host, same model, per-rank batch and
optimizer, on a fixed random batch.

Measured as well:
  - the link's alpha (one-way latency of a small message) and beta (seconds per byte of
    transfers of the engine's tuned bucket size, both ways at once, as a ring uses its links), by
    a TCP ping-pong and back-to-back exchanges between the two hosts after the engine's run, once
    with the hosts idle and once with one busy thread on each (a rank's compute thread: the
    hosts' network stacks share this machine's cores with it);
  - the engine's per-layer compute times (the median of its profile events after tuning, at 2
    ranks) and bucket size (its comm_tuned event).
From those, a scaling model predicts the step time: each bucket becomes ready when backward has
written its last gradient (layers in reverse order, the measured times), a communication thread
reduces the buckets in order, each all-reduce costing (2p-1) alpha + 2(p-1)/p n beta for a ring
of p ranks (ring_latency_s) (n bytes; half for bf16 on the wire; beta the busy hosts' while the ranks compute, the
idle hosts' after); hierarchical puts `--per-node` ranks on a node
that sum through shared memory (at the measured memory copy rate) and rings only the nodes. The
2-rank prediction is compared with the measured step; the curves for 2-512 ranks go to an SVG.

Needs root (namespaces, tc). Usage:
  sudo /usr/bin/python3 tests/bench/bench_shaped_link.py [--model cnn-small] [--rate 100mbit]
      [--steps 80] [--compression none|bf16|fp16] [--svg docs/scaling.svg]
Exits 1 when a target is missed (>= 1.3x DDP; exposed <= 30 % of communication; the model
within 10 % of the measured 2-rank step).
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from peer_setup import DEFAULT_ENGINE, ddp_median_step, prepare_torch

BATCH = {"cnn-small": 64, "mlp": 64, "resnet18-cifar": 32, "resnet50": 8}
DATA = {"cnn-small": "fashion-mnist", "mlp": "fashion-mnist", "resnet18-cifar": "synthetic:3x32x32:10",
        "resnet50": "synthetic:3x224x224:10"}
SHAPE = {"cnn-small": (1, 28, 28), "mlp": (1, 28, 28), "resnet18-cifar": (3, 32, 32),
         "resnet50": (3, 224, 224)}
HOSTS = ["twbsl0", "twbsl1"]
ADDRESS = ["10.78.1.2", "10.78.1.3"]
BRIDGE = "twbslbr"


def sh(*args, check=True):
    return subprocess.run(args, check=check, capture_output=True, text=True)


def make_hosts(rate, burst):
    remove_hosts()
    sh("ip", "link", "add", BRIDGE, "type", "bridge")
    sh("ip", "addr", "add", "10.78.1.1/24", "dev", BRIDGE)
    sh("ip", "link", "set", BRIDGE, "up")
    for ns, address in zip(HOSTS, ADDRESS):
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", ns + "h", "type", "veth", "peer", "name", ns + "n")
        sh("ip", "link", "set", ns + "n", "netns", ns)
        sh("ip", "link", "set", ns + "h", "master", BRIDGE)
        sh("ip", "link", "set", ns + "h", "up")
        sh("ip", "netns", "exec", ns, "ip", "addr", "add", address + "/24", "dev", ns + "n")
        sh("ip", "netns", "exec", ns, "ip", "link", "set", ns + "n", "up")
        sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
        tbf = ["tbf", "rate", rate, "burst", burst, "latency", "50ms"]
        sh("tc", "qdisc", "add", "dev", ns + "h", "root", *tbf)
        sh("ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", ns + "n", "root", *tbf)


def remove_hosts():
    for ns in HOSTS:
        sh("ip", "link", "del", ns + "h", check=False)
        sh("ip", "netns", "del", ns, check=False)
    sh("ip", "link", "del", BRIDGE, check=False)


def in_host(host, *args):
    return ["ip", "netns", "exec", HOSTS[host], *args]


# --- the link ---------------------------------------------------------------------------------

def exchange(conn, size):
    """Sends `size` bytes while receiving `size` bytes, as both ends of a 2-rank ring hop do."""
    import threading
    sender = threading.Thread(target=conn.sendall, args=(b"x" * size,))
    sender.start()
    while size > 0:
        size -= len(conn.recv(min(size, 1 << 20)))
    sender.join()


def link_worker(role, address, port, size):
    """Runs inside a host: the server, or the client that measures alpha (half a 1-byte round
    trip) and beta (per byte of `size`-byte exchanges, both ways at once and back to back, at
    least 16 MiB in all: a ring's links carry both directions, each direction's acknowledgements
    queue behind the other's data, and a transfer of one bucket never grows TCP's window as far
    as a long stream does, so it is timed at the size the job sends)."""
    if role == "server":
        with socket.create_server((address, port)) as server:
            conn, _ = server.accept()
            with conn:
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                while True:
                    head = conn.recv(1)
                    if not head or head == b"q":
                        return
                    if head == b"p":
                        conn.sendall(b"p")
                    else:  # both ways at once, the size announced
                        exchange(conn, int.from_bytes(conn.recv(8, socket.MSG_WAITALL), "little"))
    with socket.create_connection((address, port)) as conn:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        rtts = []
        for _ in range(300):
            t0 = time.perf_counter()
            conn.sendall(b"p")
            conn.recv(1)
            rtts.append(time.perf_counter() - t0)
        alpha = statistics.median(rtts) / 2
        exchanges = []
        for _ in range(max(3, (16 << 20) // size)):
            t0 = time.perf_counter()
            conn.sendall(b"b" + size.to_bytes(8, "little"))
            exchange(conn, size)
            exchanges.append(time.perf_counter() - t0)
        conn.sendall(b"q")
        beta = (statistics.median(exchanges) - 2 * alpha) / size
        print(json.dumps({"alpha_s": alpha, "beta_s_per_byte": beta}))


def measure_link(script, busy, size):
    """alpha and beta between the hosts for `size`-byte exchanges; `busy`: with a busy thread on
    each host meanwhile."""
    port = 29411
    loads = [subprocess.Popen(in_host(host, sys.executable, "-c", "while True: pass"))
             for host in range(2)] if busy else []
    try:
        return link_pair(script, port, size=size)
    finally:
        for load in loads:
            load.kill()
            load.wait()


def link_pair(script, port, run_in=in_host, server_address=ADDRESS[1], size=32 << 20):
    """alpha and beta from host 0 to host 1; `run_in(host, *command)` wraps a command to run in
    that host (the delayed link's hosts measure themselves with it too)."""
    server = subprocess.Popen(run_in(1, sys.executable, script, "--link-worker", "server",
                                     server_address, str(port), "0"))
    time.sleep(0.5)
    client = sh(*run_in(0, sys.executable, script, "--link-worker", "client", server_address,
                        str(port), str(size)))
    server.wait(timeout=30)
    return json.loads(client.stdout)


# --- the engine -------------------------------------------------------------------------------

def engine_job(model, steps, nodes=None, communication=None):
    job = {"name": f"shaped-{model}", "model": {"template": model}, "dataset": DATA[model],
           "batch": BATCH[model], "epochs": 1, "max_steps": steps, "seed": 1, "threads": 1,
           "optimizer": {"type": "sgd", "lr": 0.01, "momentum": 0.9},
           "eval": {"every_epoch": False}, "log_every_steps": 10, "profile": {"every_steps": 10}}
    if nodes:
        job["parallel"] = {"strategy": "data", "nodes": nodes, "ranks_per_node": 1,
                           **(communication or {})}
    return job


def engine_across_hosts(engine, model, steps, folder, communication):
    daemons, nodes = [], []
    for host in range(2):
        sock = os.path.join(folder, f"node{host}.sock")
        daemons.append(subprocess.Popen(
            in_host(host, engine, "serve", "--listen", "unix:" + sock, "--data-dir",
                    os.path.join(folder, f"data{host}")), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL))
        nodes.append(f"h{host}=unix:{sock}")
    try:
        for host in range(2):
            deadline = time.time() + 30
            while not os.path.exists(os.path.join(folder, f"node{host}.sock")):
                assert time.time() < deadline, "a node daemon did not start"
                time.sleep(0.1)
        path = os.path.join(folder, "across.json")
        with open(path, "w") as f:
            json.dump(engine_job(model, steps, ["h0", "h1"], communication), f)
        args = [engine, "client"]
        for n in nodes:
            args += ["--node", n]
        args += ["--rendezvous-host", ADDRESS[0], "submit", path, "--watch", "--json"]
        out = sh(*args).stdout
    finally:
        for d in daemons:
            d.kill()
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    # Without "auto" settings nothing is tuned, and every step counts.
    tuned = next((e for e in events if e["type"] == "comm_tuned"),
                 {"seq": 0, "bucket_bytes": communication.get("bucket_bytes")})
    settled = [e for e in events if e["type"] == "step" and e["seq"] > tuned["seq"]][1:]
    assert settled, "no steps after tuning; give more --steps"
    profiles = [e for e in events if e["type"] == "profile" and e["seq"] > tuned["seq"]]
    return {
        "step_ms": statistics.median(e["step_ms"] for e in settled),
        "comm_ms": statistics.median(e["comm_ms"] for e in settled),
        "exposed_ms": statistics.median(e["exposed_comm_ms"] for e in settled),
        "bucket_bytes": tuned["bucket_bytes"],
        "profile": median_profile(profiles),
    }


def median_profile(profiles):
    """One profile of the median of each layer's times over the profiled steps (a single step's
    times drift by +-15 % on this VM); profiled steps, like step events, every 10 steps."""
    assert profiles, "no profiled step after tuning; give more --steps"
    median = dict(profiles[-1])
    for key in ("data_ms", "optimizer_ms"):
        median[key] = statistics.median(p[key] for p in profiles)
    median["layers"] = []
    for i, layer in enumerate(profiles[-1]["layers"]):
        times = {key: statistics.median(p["layers"][i][key] for p in profiles)
                 for key in ("forward_ms", "backward_ms")}
        median["layers"].append({**layer, **times})
    return median


# --- the peer ---------------------------------------------------------------------------------

def ddp_worker(rank, master, model, steps):
    os.environ["GLOO_SOCKET_IFNAME"] = HOSTS[rank] + "n"
    seconds = ddp_median_step(prepare_torch(1), rank, 2, f"tcp://{master}", model, BATCH[model],
                              SHAPE[model], steps)
    if rank == 0:
        print(json.dumps({"step_ms": seconds * 1e3}))


def ddp_across_hosts(script, model, steps):
    master = f"{ADDRESS[0]}:29412"
    other = subprocess.Popen(in_host(1, sys.executable, script, "--ddp-worker", "1", master, model,
                                     str(steps)), stdout=subprocess.DEVNULL)
    first = sh(*in_host(0, sys.executable, script, "--ddp-worker", "0", master, model, str(steps)))
    other.wait(timeout=600)
    return json.loads(first.stdout.strip().splitlines()[-1])["step_ms"]


# --- the scaling model ------------------------------------------------------------------------

def copy_seconds_per_byte():
    """Memory copy rate of this machine: what a shared-memory reduction step costs per byte."""
    import numpy as np
    a = np.ones(64 << 18, dtype=np.float32)  # 64 MiB
    b = np.empty_like(a)
    best = min(timeit_once(lambda: np.copyto(b, a)) for _ in range(5))
    return best / a.nbytes


def timeit_once(f):
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def ring_latency_s(p, alpha):
    """The latency part of a ring all-reduce on p ranks: 2(p-1) hops, the first paying two
    one-way latencies (Gloo's TCP pairs send a hop's data only once the receiver's "ready to
    receive" message has crossed) and the others one, their receives announced before the first
    send (bench_fusion_latency.py measures about 3.3 latencies per 2-rank call)."""
    return (2 * (p - 1) + 1) * alpha if p > 1 else 0.0


class ScalingModel:
    """Step time of data parallel on p ranks from one rank's per-layer times and the link."""

    def __init__(self, profile, bucket_bytes, alpha, beta, copy_beta, overlap_forward):
        """`beta`: (while the ranks compute, while they wait), seconds per byte of the link."""
        layers = profile["layers"]
        self.forward = [l["forward_ms"] for l in layers]
        self.forward_ms = sum(self.forward)
        self.other_ms = profile["data_ms"] + profile["optimizer_ms"]
        # Backward runs the layers in reverse; a layer's gradients are final when it ends. Whole
        # layers are fused into buckets in that order up to the bucket size.
        self.backward = [l["backward_ms"] for l in layers]
        self.bucket_of = [None] * len(layers)  # of each layer with parameters
        self.closes = {}  # layer index -> the bucket its backward completes
        self.bucket_bytes = []
        size = 0
        for i in reversed(range(len(layers))):
            if not layers[i]["parameters"]:
                continue
            size += 4 * layers[i]["parameters"]
            self.bucket_of[i] = len(self.bucket_bytes)
            last = i
            if size >= bucket_bytes:
                self.closes[last] = len(self.bucket_bytes)
                self.bucket_bytes.append(size)
                size = 0
        if size:
            self.closes[last] = len(self.bucket_bytes)
            self.bucket_bytes.append(size)
        self.backward_end = self.forward_ms + sum(self.backward)
        self.alpha, self.copy_beta = alpha, copy_beta
        self.beta_busy, self.beta_idle = beta
        self.overlap_forward = overlap_forward

    def ring_cost(self, p, n, wire=1.0):
        """(fixed ms, bytes each rank sends) of a ring all-reduce of n bytes on p ranks."""
        if p == 1:
            return 0.0, 0.0
        return ring_latency_s(p, self.alpha) * 1e3, 2 * (p - 1) / p * n * wire

    def allreduce_cost(self, p, n, scheme, per_node):
        if scheme == "ring":
            return self.ring_cost(p, n)
        if scheme == "bf16":
            return self.ring_cost(p, n, 0.5)
        local = min(per_node, p)
        # copy in, sum the local slots (a share each), copy out: ~ (2 + local) n of memory traffic
        shm_ms = (2 + local) * n / local * self.copy_beta * 1e3 if local > 1 else 0.0
        fixed, sent = self.ring_cost(max(1, p // local), n)
        return shm_ms + fixed, sent

    def transfer_end(self, start, cost, busy_until):
        """When an all-reduce started at `start` ends: its bytes go at the busy link's rate until
        `busy_until` (the ranks computing), at the idle link's after."""
        fixed, sent = cost
        t = start + fixed
        busy_ms, idle_ms = self.beta_busy * 1e3, self.beta_idle * 1e3
        if t < busy_until:
            if sent * busy_ms <= busy_until - t:
                return t + sent * busy_ms
            sent -= (busy_until - t) / busy_ms
            t = busy_until
        return t + sent * idle_ms

    def step_ms(self, p, scheme="ring", per_node=8, steps=6):
        """The period of steady-state steps, simulated: forward (waiting, with overlap_forward,
        for each layer's bucket of the step before), backward making buckets ready, and one
        communication thread reducing them in the engine's order, then the per-step agreement.
        With overlap_forward the ranks go on computing (the next forward) while the last
        buckets are reduced; without, they wait, and the link has the machine to itself."""
        costs = [self.allreduce_cost(p, n, scheme, per_node) for n in self.bucket_bytes]
        control = ring_latency_s(p, self.alpha) * 1e3  # the per-step all-reduce (4 floats)
        count = len(costs)
        cutoff, comm_free, done, starts, t = count, 0.0, None, [], 0.0  # FIFO until measured
        for _ in range(steps):
            starts.append(t)
            t += self.other_ms
            for i, f in enumerate(self.forward):
                if done and self.overlap_forward and self.bucket_of[i] is not None:
                    t = max(t, done[self.bucket_of[i]])
                t += f
            ready = [0.0] * count
            for i in reversed(range(len(self.forward))):
                t += self.backward[i]
                if i in self.closes:
                    ready[self.closes[i]] = t
            busy_until = float("inf") if self.overlap_forward else t
            done, comm_free = self.reduce(ready, costs, cutoff, comm_free, busy_until)
            comm_free += control
            if self.overlap_forward:
                cutoff = self.best_cutoff(ready, costs, t)
            else:
                t = max(t, comm_free)
        return starts[-1] - starts[-2]

    def reduce(self, ready, costs, cutoff, free, busy_until):
        """When each bucket is averaged: [0, cutoff) in backward's order, the rest reversed."""
        count = len(ready)
        done = [0.0] * count
        for b in list(range(cutoff)) + list(reversed(range(cutoff, count))):
            free = self.transfer_end(max(free, ready[b]), costs[b], busy_until)
            done[b] = free
        return done, free

    def best_cutoff(self, ready, costs, backward_end):
        """Rank 0's rule (GradientReducer::suggestedCutoff): the order that leaves the next
        forward waiting least, the largest cutoff of equals."""
        needed, t = {}, self.other_ms
        for i, f in enumerate(self.forward):
            if self.bucket_of[i] is not None:
                needed.setdefault(self.bucket_of[i], t)
            t += f
        best, best_wait = len(ready), float("inf")
        for cutoff in reversed(range(len(ready) + 1)):
            done, _ = self.reduce(ready, costs, cutoff, 0.0, float("inf"))
            waited = 0.0
            for b in sorted(needed, key=needed.get):
                waited += max(0.0, done[b] - (backward_end + needed[b] + waited))
            if waited < best_wait:
                best, best_wait = cutoff, waited
        return best

    def compute_ms(self):
        return self.backward_end + self.other_ms


def write_svg(path, series, title, measured):
    """Scaling efficiency against ranks (log2 axis), one polyline per scheme, and the measured
    2-rank point as a dot."""
    width, height, left, bottom, top, right = 780, 420, 70, 50, 40, 230
    xs = sorted({p for points in series.values() for p, _ in points})
    lo, hi = min(xs), max(xs)
    import math

    def px(p):
        return left + (math.log2(p) - math.log2(lo)) / (math.log2(hi) - math.log2(lo)) * (
            width - left - right)

    def py(e):
        return top + (1 - e) * (height - top - bottom)

    colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="12">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="{left}" y="22" font-size="14">{title}</text>']
    for e in (0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<line x1="{left}" y1="{py(e):.1f}" x2="{width - right}" y2="{py(e):.1f}" '
                     f'stroke="#ddd"/><text x="{left - 8}" y="{py(e) + 4:.1f}" '
                     f'text-anchor="end">{e:.0%}</text>')
    for p in xs:
        parts.append(f'<text x="{px(p):.1f}" y="{height - bottom + 18}" text-anchor="middle">{p}</text>')
    parts.append(f'<text x="{(left + width - right) / 2:.0f}" y="{height - 12}" '
                 f'text-anchor="middle">ranks</text>')
    parts.append(f'<text x="16" y="{(top + height - bottom) / 2:.0f}" transform="rotate(-90 16 '
                 f'{(top + height - bottom) / 2:.0f})" text-anchor="middle">scaling efficiency</text>')
    for i, (name, points) in enumerate(series.items()):
        line = " ".join(f"{px(p):.1f},{py(e):.1f}" for p, e in points)
        parts.append(f'<polyline points="{line}" fill="none" stroke="{colors[i]}" stroke-width="2"/>')
        parts.append(f'<line x1="{width - right + 12}" y1="{top + 20 * i + 6}" '
                     f'x2="{width - right + 36}" y2="{top + 20 * i + 6}" stroke="{colors[i]}" '
                     f'stroke-width="2"/><text x="{width - right + 42}" y="{top + 20 * i + 10}">'
                     f'{name}</text>')
    p, e = measured
    parts.append(f'<circle cx="{px(p):.1f}" cy="{py(e):.1f}" r="5" fill="black"/>'
                 f'<text x="{px(p) + 9:.1f}" y="{py(e) + 16:.1f}">measured: {e:.0%}</text>')
    parts.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(parts) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", default=DEFAULT_ENGINE)
    parser.add_argument("--model", default="cnn-small")
    parser.add_argument("--rate", default="100mbit", help="tc tbf rate of each host's link")
    parser.add_argument("--burst", default="256kb", help="tc tbf burst of each host's link")
    parser.add_argument("--steps", type=int, default=80)
    parser.add_argument("--per-node", type=int, default=8, help="ranks per node, hierarchical")
    parser.add_argument("--svg", help="write the predicted scaling curves here")
    parser.add_argument("--bucket-bytes", type=int, help="fixed instead of tuned")
    parser.add_argument("--streams", type=int, help="fixed instead of tuned")
    parser.add_argument("--compression", choices=("none", "bf16", "fp16"), default="none",
                        help="gradients on the wire (the model halves the bytes for bf16 and fp16)")
    parser.add_argument("--skip-peer", action="store_true", help="the engine alone (no DDP)")
    parser.add_argument("--no-overlap-forward", action="store_true",
                        help="update right after backward, as DDP does")
    args = parser.parse_args()
    script = os.path.abspath(__file__)
    engine = os.path.abspath(args.engine)
    make_hosts(args.rate, args.burst)
    try:
        with tempfile.TemporaryDirectory() as folder:
            fixed = {"bucket_bytes": args.bucket_bytes, "streams": args.streams}
            communication = {k: v for k, v in fixed.items() if v}
            communication["overlap_forward"] = not args.no_overlap_forward
            communication["compression"] = args.compression
            twb = engine_across_hosts(engine, args.model, args.steps, folder, communication)
        link = {state: measure_link(script, state == "busy", twb["bucket_bytes"])
                for state in ("idle", "busy")}
        ddp_ms = float("nan") if args.skip_peer else ddp_across_hosts(script, args.model, args.steps)
    finally:
        remove_hosts()
    alpha = link["idle"]["alpha_s"]
    beta = (link["busy"]["beta_s_per_byte"], link["idle"]["beta_s_per_byte"])
    model = ScalingModel(twb["profile"], twb["bucket_bytes"], alpha, beta, copy_seconds_per_byte(),
                         not args.no_overlap_forward)
    wire = "ring" if args.compression == "none" else "bf16"  # both halve the bytes
    predicted = model.step_ms(2, wire)
    batch = BATCH[args.model]
    print(f"link {args.rate}: alpha {alpha * 1e6:.0f} us, beta {8 / beta[1] / 1e6:.0f} Mbit/s "
          f"idle, {8 / beta[0] / 1e6:.0f} Mbit/s with the hosts busy")
    print(f"{args.model}, 2 ranks on 2 hosts, compression {args.compression}: twb {2 * batch * 1e3 / twb['step_ms']:.0f} samples/s "
          f"(step {twb['step_ms']:.1f} ms), DDP {2 * batch * 1e3 / ddp_ms:.0f} samples/s "
          f"(step {ddp_ms:.1f} ms): {ddp_ms / twb['step_ms']:.2f}x")
    exposed_share = twb["exposed_ms"] / twb["comm_ms"] if twb["comm_ms"] else 0
    print(f"communication {twb['comm_ms']:.1f} ms per step, exposed {twb['exposed_ms']:.1f} ms "
          f"({exposed_share:.0%}); bucket {twb['bucket_bytes'] >> 10} KiB")
    error = predicted / twb["step_ms"] - 1
    idle_link = ScalingModel(twb["profile"], twb["bucket_bytes"], alpha, (beta[1], beta[1]),
                             copy_seconds_per_byte(), not args.no_overlap_forward).step_ms(2, wire)
    print(f"model with the idle link's beta throughout: {idle_link:.1f} ms "
          f"({idle_link / twb['step_ms'] - 1:+.1%})")
    print(f"model: 2-rank step {predicted:.1f} ms predicted, {twb['step_ms']:.1f} ms measured "
          f"({error:+.1%}); compute alone {model.compute_ms():.1f} ms")
    ranks = [2 ** k for k in range(1, 10)]
    series = {}
    for scheme, label in (("ring", "ring"), ("hierarchical", f"hierarchical ({args.per_node}/node)"),
                          ("bf16", "ring, bf16 on the wire")):
        series[label] = [(p, model.compute_ms() / model.step_ms(p, scheme, args.per_node))
                         for p in ranks]
    print(f"{'ranks':>6} " + " ".join(f"{name:>28}" for name in series))
    for i, p in enumerate(ranks):
        print(f"{p:6d} " + " ".join(f"{points[i][1]:28.0%}" for points in series.values()))
    if args.svg:
        write_svg(args.svg, series, f"{args.model}, {args.rate} links: predicted scaling efficiency",
                  (2, model.compute_ms() / twb["step_ms"]))
    missed = []
    if not args.skip_peer and ddp_ms / twb["step_ms"] < 1.3:
        missed.append(f"{ddp_ms / twb['step_ms']:.2f}x DDP (target 1.3x)")
    if exposed_share > 0.30:
        missed.append(f"exposed {exposed_share:.0%} of communication (target <= 30 %)")
    if abs(error) > 0.10:
        missed.append(f"model off by {error:+.1%} (target within 10 %)")
    for m in missed:
        print("missed:", m)
    return 1 if missed else 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--link-worker":
        link_worker(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--ddp-worker":
        ddp_worker(int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        sys.exit(main())
