#!/usr/bin/env python3
"""check --har on a 10 MB and a 100 MB capture, side by side: peak resident memory (from the
kernel's rusage of each run) and time. Bounded memory means the 100 MB file needs about what
the 10 MB one does: the ratio printed is peak(100 MB) / peak(10 MB), against a file ratio of 10.

The captures are made from tests/integration/har/browser-export.har: its entries repeated,
each page load carrying a 40 KB HTML body as real exports do, until the file has the size.

Usage: python3 bench/har_memory.py [--binary target/release/mfa-contract] [--sizes 10 100]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, "tests/integration/har/browser-export.har")


def capture(path, megabytes):
    """Writes a HAR of about `megabytes` MB, streaming, and returns its entry count."""
    with open(FIXTURE) as f:
        har = json.load(f)
    entries = har["log"]["entries"]
    entries[0]["response"]["content"]["text"] = "<p>" + "x" * 40_000 + "</p>"
    pieces = [json.dumps(e) for e in entries]
    target = megabytes * 1_000_000
    count = 0
    with open(path, "w") as out:
        head = dict(har["log"])
        del head["entries"]
        out.write('{"log": ' + json.dumps(head)[:-1] + ', "entries": [\n')
        written = 0
        while written < target:
            for piece in pieces:
                out.write((",\n" if count else "") + piece)
                written += len(piece) + 2
                count += 1
        out.write("\n]}}\n")
    return count


def measure(binary, path):
    """Peak resident KiB and seconds of one `check --har` run (exit 1: the capture has findings)."""
    started = time.monotonic()
    child = subprocess.Popen([binary, "check", "--har", path, "--format", "json"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.monotonic() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"check --har {path} exited {code}: {child.stderr.read().decode()}")
    return usage.ru_maxrss, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, "target/release/mfa-contract"))
    parser.add_argument("--sizes", type=int, nargs=2, default=[10, 100], metavar=("SMALL_MB", "LARGE_MB"))
    args = parser.parse_args()
    if not os.path.exists(args.binary):
        sys.exit(f"{args.binary} not found: cargo build --release first")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for mb in args.sizes:
            path = os.path.join(tmp, f"capture-{mb}mb.har")
            entries = capture(path, mb)
            size = os.path.getsize(path) / 1e6
            peak, seconds = measure(args.binary, path)
            rows.append((size, entries, peak, seconds))
            os.remove(path)
    print("| capture | entries | peak resident memory | time | MB/s |")
    print("|---:|---:|---:|---:|---:|")
    for size, entries, peak, seconds in rows:
        print(f"| {size:.1f} MB | {entries} | {peak / 1024:.1f} MiB | {seconds:.2f} s | {size / seconds:.0f} |")
    (small, _, small_peak, _), (large, _, large_peak, _) = rows
    print(f"\nfile ratio {large / small:.1f}x, peak memory ratio {large_peak / small_peak:.2f}x")


if __name__ == "__main__":
    main()
