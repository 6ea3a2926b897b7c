#!/usr/bin/env python3
"""Prints the side-by-side table of the `compare` benchmarks from criterion's results in
target/criterion: median time per iteration, per message, throughput, and the ratio to
memcpy of the same bytes (higher is better) and to the fastest peer.

    cargo bench --bench compare && python3 benches/report.py
"""
import json
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "target", "criterion")
BATCH = 1 << 20
IMPLS = ["memcpy", "rfc6455", "tungstenite", "fastwebsockets"]


def median_ns(group, bench, param=None):
    parts = [ROOT, group, bench] + ([str(param)] if param is not None else []) + ["new", "estimates.json"]
    path = os.path.join(*parts)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)["median"]["point_estimate"]


def fmt_time(ns):
    if ns is None:
        return "-"
    if ns < 1000:
        return "%.1f ns" % ns
    if ns < 1e6:
        return "%.2f µs" % (ns / 1e3)
    return "%.2f ms" % (ns / 1e6)


def table(title, group, sizes, per_message):
    print("\n### %s\n" % title)
    print("| size | " + " | ".join(IMPLS) + " | rfc6455 GB/s | vs memcpy | vs best peer |")
    print("|---|" + "---|" * (len(IMPLS) + 3))
    for size in sizes:
        n = max(1, BATCH // size) if per_message else 1
        times = {i: median_ns(group, i, size) for i in IMPLS}
        cells = []
        for i in IMPLS:
            t = times[i]
            cells.append(fmt_time(t / n if t else None) + ("/msg" if per_message and t else ""))
        ours = times["rfc6455"]
        peers = [times[p] for p in ("tungstenite", "fastwebsockets") if times[p]]
        gbs = (n * size / ours) if ours else 0
        vs_memcpy = (times["memcpy"] / ours) if ours and times["memcpy"] else 0
        vs_peer = (min(peers) / ours) if ours and peers else 0
        print("| %s | %s | %.2f | %.2f× | %.2f× |" % (size, " | ".join(cells), gbs, vs_memcpy, vs_peer))


def main():
    if not os.path.isdir(ROOT):
        print("no criterion results; run: cargo bench --bench compare")
        return 1
    sizes = [16, 125, 1024, 16384, 1048576]
    table("Server receive, binary (time per message)", "receive_binary", sizes, True)
    table("Server receive, text (time per message)", "receive_text", sizes, True)
    print("\n### Server receive, 1 MiB text in 64 KiB fragments\n")
    print("| " + " | ".join(IMPLS) + " |")
    print("|" + "---|" * len(IMPLS))
    print("| " + " | ".join(fmt_time(median_ns("receive_fragmented", i)) for i in IMPLS) + " |")
    table("Client send: mask + frame (time per message)", "send_client", sizes, True)
    table("Server send (time per message)", "send_server", sizes, True)
    print("\n### Opening handshake (Chromium request → 101)\n")
    for b in ["rfc6455", "rfc6455+deflate", "tungstenite"]:
        print("- %s: %s" % (b, fmt_time(median_ns("handshake", b))))
    print("\n### Primitives\n")
    print("| size | memcpy | unmask in place | UTF-8 (ours) | UTF-8 (std) |")
    print("|---|---|---|---|---|")
    for size in [16, 4096, 1048576]:
        print("| %d | %s |" % (size, " | ".join(fmt_time(median_ns("primitives", b, size)) for b in ["memcpy", "unmask_in_place", "utf8_validate", "utf8_std"])))
    print("\n- frame header parse: %s" % fmt_time(median_ns("primitives", "frame_header_parse")))
    print("- request parse (Chromium): %s" % fmt_time(median_ns("primitives", "request_parse")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
