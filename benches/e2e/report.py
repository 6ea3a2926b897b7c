#!/usr/bin/env python3
"""Side-by-side tables from benches/e2e/run.sh's JSON lines (default target/e2e.jsonl)."""
import json
import sys
from collections import OrderedDict

path = sys.argv[1] if len(sys.argv) > 1 else "target/e2e.jsonl"
runs = [json.loads(line) for line in open(path) if line.strip()]
load = [r for r in runs if r["mode"] == "load"]
servers = list(OrderedDict.fromkeys(r["label"] for r in load))


def size(n):
    return f"{n // 1024} KiB" if n >= 1024 else f"{n} B"


def table(title, depth, cell):
    points = list(OrderedDict.fromkeys((r["conns"], r["size"]) for r in load if r["depth"] == depth))
    if not points:
        return
    print(f"\n{title} (pipeline depth {depth})\n")
    print("| conns × size | " + " | ".join(servers) + " |")
    print("|---" * (len(servers) + 1) + "|")
    for conns, sz in points:
        cells = []
        for s in servers:
            r = next((r for r in load if r["label"] == s and r["depth"] == depth
                      and r["conns"] == conns and r["size"] == sz), None)
            cells.append(cell(r) if r else "–")
        print(f"| {conns} × {size(sz)} | " + " | ".join(cells) + " |")


for depth in sorted({r["depth"] for r in load}, reverse=True):
    table("messages/s", depth, lambda r: f"{r['msgs_per_s'] / 1000:.0f}k")
    table("server CPU per message (µs)", depth,
          lambda r: f"{r['server_cpu_ns_per_msg'] / 1000:.2f}" if r["server_cpu_ns_per_msg"] is not None else "?")
    table("round trip p50 / p99 (µs)", depth, lambda r: f"{r['p50_us']:.0f} / {r['p99_us']:.0f}")

idle = OrderedDict((r["label"], r) for r in runs if r["mode"] == "idle")
if idle:
    n = next(iter(idle.values()))["conns"]
    print(f"\nresident memory per idle connection ({n} connections, after one 1 KiB echo each)\n")
    print("| " + " | ".join(idle) + " |")
    print("|---" * len(idle) + "|")
    print("| " + " | ".join(f"{r['bytes_per_conn']:.0f} B" for r in idle.values()) + " |")
