#!/usr/bin/env python3
"""The shipped binary against the plain release build, side by side in one run: size on disk,
and the mock's server CPU per request, requests/s, cold start and memory under the same load.

    python3 bench/profiles.py                  # release, dist, and dist as static musl (what ships for Linux)
    python3 bench/profiles.py --quick          # 1 round x 1 s, to keep the script working
    python3 bench/profiles.py --binary NAME=PATH ...   # measure prebuilt binaries instead of building

Builds each variant with cargo (`--profile release`, `--profile dist`, and `--profile dist
--target x86_64-unknown-linux-musl` when that target and musl-gcc are installed; says so when
not), then runs every binary's mock under wrk, interleaved round by round, and appends the
figures to BENCHMARKS.md. Reuses bench.py's servers and wrk runner. Standard library only.
"""

import argparse
import datetime
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (bench.py beside this file)

ROOT = bench.ROOT
MUSL = "x86_64-unknown-linux-musl"
CONNECTIONS = 32


def cargo_build(profile, target=None):
    cmd = ["cargo", "build", "--locked", "--profile", profile, "--bin", "mfa-contract"]
    folder = os.path.join(ROOT, "target")
    if target:
        cmd += ["--target", target]
        folder = os.path.join(folder, target)
    bench.log(f"building: {' '.join(cmd[1:])}")
    bench.run(cmd, cwd=ROOT)
    return os.path.join(folder, profile, "mfa-contract")


def musl_available():
    installed = subprocess.run(["rustup", "target", "list", "--installed"], capture_output=True, text=True, check=False)
    if MUSL not in installed.stdout.split():
        return "rustup target add x86_64-unknown-linux-musl"
    if not shutil.which("musl-gcc"):
        return "musl-gcc (Debian package musl-tools)"
    return None


def variants(args):
    if args.binary:
        return [tuple(pair.split("=", 1)) for pair in args.binary]
    built = [("release", cargo_build("release")), ("dist", cargo_build("dist"))]
    missing = musl_available()
    if missing:
        bench.log(f"SKIPPED the static musl build: it needs {missing}")
    else:
        built.append(("dist, static musl", cargo_build("dist", MUSL)))
    return built


def measure(name, binary, round_no, seconds):
    server = bench.Server(name, lambda p: [binary, "mock", "--port", str(p), "--workers", str(bench.WORKERS)])
    cold = server.start(bench.free_port())
    try:
        cpu_before = server.cpu_seconds()
        figures = bench.wrk(server.port, CONNECTIONS, seconds)
        requests = figures["rps"] * seconds
        figures["cpu_us"] = (server.cpu_seconds() - cpu_before) * 1e6 / max(requests, 1)
        figures["rss_mb"] = server.rss_mb()
    finally:
        server.stop()
    figures["cold_ms"] = cold
    figures["round"] = round_no
    return figures


def render(args, builds, results):
    now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    first = builds[0][0]
    lines = [
        f"## Release profile {now}: {bench.machine()}",
        "",
        f"Tools: {bench.version(['rustc', '--version'])}; {bench.version(['wrk', '--version'])}.",
        f"Method: `python3 bench/profiles.py`: {args.rounds} round(s), interleaved; wrk -t2 -c{CONNECTIONS}, "
        f"{args.duration} s per run, POST /mfa/primary with a valid body and token; each mock with "
        f"{bench.WORKERS} workers, journal and log on, started fresh per run. Figures are median (min-max).",
        "",
        "| binary | size MB | server CPU us/request | requests/s | cold start ms | RSS after load MB |",
        "|---|---|---|---|---|---|",
    ]
    for name, binary in builds:
        runs = results[name]
        size = os.path.getsize(binary) / 1e6
        lines.append(
            f"| {name} | {size:.1f} | {bench.fmt(bench.spread([r['cpu_us'] for r in runs]), 2)} | "
            f"{bench.fmt(bench.spread([r['rps'] for r in runs]))} | {bench.fmt(bench.spread([r['cold_ms'] for r in runs]), 1)} | "
            f"{bench.fmt(bench.spread([r['rss_mb'] for r in runs]), 1)} |"
        )
    lines.append("")
    base_size = os.path.getsize(builds[0][1])
    for name, binary in builds[1:]:
        cpu = bench.paired_ratios(results[name], results[first], "cpu_us")
        rps = bench.paired_ratios(results[name], results[first], "rps")
        lines.append(
            f"- {name} / {first}: size {os.path.getsize(binary) / base_size:.2f}x; server CPU per request "
            f"{bench.fmt(bench.spread(cpu), 2)}x per round; requests/s {bench.fmt(bench.spread(rps), 2)}x per round"
        )
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1 round, 1 s per measurement (smoke test)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--binary", action="append", metavar="NAME=PATH", help="measure this binary (repeatable; the first is the base)")
    parser.add_argument("--no-record", action="store_true", help="do not append to BENCHMARKS.md")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.duration = 1, 1
    if not bench.ensure_wrk():
        sys.exit("wrk is needed (Debian package wrk)")
    builds = variants(args)
    results = {name: [] for name, _ in builds}
    for round_no in range(args.rounds):
        order = builds[round_no % len(builds):] + builds[: round_no % len(builds)]
        for name, binary in order:
            bench.log(f"round {round_no + 1}/{args.rounds}: {name}")
            results[name].append(measure(name, binary, round_no, args.duration))
    lines = render(args, builds, results)
    print("\n".join(lines))
    if not args.no_record and not args.quick:
        with open(os.path.join(ROOT, "BENCHMARKS.md"), "a") as f:
            f.write("\n" + "\n".join(lines) + "\n")
        bench.log("appended to BENCHMARKS.md")


if __name__ == "__main__":
    main()
