"""Two network-namespace hosts joined by a link with a fixed one-way delay.

This kernel has no netem (and no fq or etf qdisc that would honour a departure time), so the
delay is made in user space, as Mahimahi's delay shell does: each host's end of the link is a
TUN device, and a relay thread reads every packet one host sends, holds it for the delay and
writes it to the other host's device, in order. Nothing else is changed: the hosts run
their own TCP stacks over the link, so a message costs a real round trip and TCP's windows see
a real bandwidth-delay product.

Needs root. Use as a context manager:
    with DelayLink(delay_ms=1.0) as link:
        subprocess.run(link.in_host(0, "some-client", link.address[1]))
"""
import collections
import ctypes
import fcntl
import os
import select
import struct
import subprocess
import threading
import time

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
# Large packets keep the relay's per-packet cost off the bandwidth (a 64 KB packet per read).
MTU = 65000
PR_SET_TIMERSLACK = 29


def sh(*args, check=True):
    return subprocess.run(args, check=check, capture_output=True, text=True)


class DelayLink:
    hosts = ["twbdl0", "twbdl1"]  # network namespaces, and each one's end of the link
    address = ["10.79.0.1", "10.79.0.2"]

    def __init__(self, delay_ms):
        self.delay = delay_ms / 1000.0
        self.devices = []
        self.running = False
        self.thread = None

    def in_host(self, host, *args):
        return ["ip", "netns", "exec", self.hosts[host], *args]

    def __enter__(self):
        self.remove()
        for host, (ns, address) in enumerate(zip(self.hosts, self.address)):
            fd = os.open("/dev/net/tun", os.O_RDWR)
            fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", ns.encode(), IFF_TUN | IFF_NO_PI))
            self.devices.append(fd)
            sh("ip", "netns", "add", ns)
            sh("ip", "link", "set", ns, "netns", ns)  # the open device moves with its fd
            peer = self.address[1 - host]
            sh("ip", "-n", ns, "addr", "add", address, "peer", peer, "dev", ns)
            sh("ip", "-n", ns, "link", "set", ns, "mtu", str(MTU), "up")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        self.running = True
        self.thread = threading.Thread(target=self._relay, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
        for fd in self.devices:
            os.close(fd)
        self.remove()

    def remove(self):
        for ns in self.hosts:
            sh("ip", "netns", "del", ns, check=False)

    def _relay(self):
        """Holds each packet for the delay, then writes it to the other host's device. One
        thread serves both directions and waits on the devices only until the oldest held
        packet is due, so packets leave on time."""
        # The kernel lets a sleep run 50 us late by default: too coarse for delays of 0.1 ms.
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0)
        held = {fd: collections.deque() for fd in self.devices}
        other = {self.devices[0]: self.devices[1], self.devices[1]: self.devices[0]}
        while self.running:
            due = [queue[0][0] for queue in held.values() if queue]
            wait = max(0.0, min(due) - time.perf_counter()) if due else 0.2
            readable, _, _ = select.select(self.devices, [], [], wait)
            for fd in readable:
                held[fd].append((time.perf_counter() + self.delay, os.read(fd, MTU + 100)))
            now = time.perf_counter()
            for fd, queue in held.items():
                while queue and queue[0][0] <= now:
                    os.write(other[fd], queue.popleft()[1])
