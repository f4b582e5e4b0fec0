#!/usr/bin/env python3
"""Side-by-side benchmark of the mock, the checker and the proxy against their peers, in one run.

    python3 bench/bench.py            # full: 5 rounds x 10 s per server and connection count
    python3 bench/bench.py --quick    # smoke: 1 round x 1 s, to keep the script working

Builds in release mode, installs what it needs (wrk and nginx from Debian, Prism from npm,
Schemathesis from PyPI, into bench/.tools), says so and goes on when a peer cannot be installed,
and appends
the figures to BENCHMARKS.md. Servers and load generator share this machine's cores; every
server gets the same load, interleaved round by round, so the ratios are what to read.
Standard library only.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(ROOT, "bench", ".tools")
RELEASE = os.path.join(ROOT, "target", "release")
MOCK_BIN = os.path.join(RELEASE, "mfa-contract")
BARE_BIN = os.path.join(RELEASE, "examples", "bare_actix")
RELAY_BIN = os.path.join(RELEASE, "examples", "relay")
PRISM_BIN = os.path.join(TOOLS, "node_modules", ".bin", "prism")
ST_BIN = os.path.join(TOOLS, "venv", "bin", "schemathesis")
LUA = os.path.join(ROOT, "bench", "post.lua")
OPENAPI = os.path.join(TOOLS, "openapi.json")
BODY = b'{"mfaType":"PASSKEY"}'
TOKEN = "bench-token-0001"
WORKERS = 2


def log(message):
    print(message, file=sys.stderr, flush=True)


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, **kwargs)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- tools


def build():
    log("building release binaries (cargo build --release)")
    run(["cargo", "build", "--release", "--locked", "--bin", "mfa-contract", "--example", "bare_actix", "--example", "relay"], cwd=ROOT)


def ensure_debian(command, package, what):
    """`command` on the PATH, installing Debian's `package` when it is not; False if impossible."""
    if shutil.which(command):
        return True
    log(f"installing {package} (Debian package)")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    try:
        run(sudo + ["apt-get", "install", "-y", "-qq", package], stdout=subprocess.DEVNULL)
    except (subprocess.CalledProcessError, FileNotFoundError):
        try:
            run(sudo + ["apt-get", "update", "-qq"], stdout=subprocess.DEVNULL)
            run(sudo + ["apt-get", "install", "-y", "-qq", package], stdout=subprocess.DEVNULL)
        except (subprocess.CalledProcessError, FileNotFoundError) as e:
            log(f"{package} could not be installed ({e}); {what} is skipped")
            return False
    return shutil.which(command) is not None


def ensure_wrk():
    return ensure_debian("wrk", "wrk", "the throughput part")


def ensure_nginx():
    return ensure_debian("nginx", "nginx-light", "the nginx reference proxy")


def nginx_command(upstream_port):
    """nginx as a plain reverse proxy in front of the upstream (2 workers, keep-alive to it),
    the reference for what a well-tuned C proxy reaches on this machine."""
    conf = os.path.join(TOOLS, f"nginx-{upstream_port}.conf")
    with open(conf, "w") as f:
        f.write(
            "worker_processes 2; daemon off; master_process on;\n"
            f"pid {TOOLS}/nginx-{upstream_port}.pid; error_log {TOOLS}/nginx.log error;\n"
            "events { worker_connections 1024; }\n"
            "http { access_log off;\n"
            f"  upstream mock {{ server 127.0.0.1:{upstream_port}; keepalive 64; }}\n"
            "  server { listen 127.0.0.1:PORT; location / { proxy_pass http://mock;"
            " proxy_http_version 1.1; proxy_set_header Connection \"\"; } } }\n"
        )
    def command(port):
        with open(conf) as f:
            text = f.read()
        with open(conf, "w") as f:
            f.write(re.sub(r"listen 127\.0\.0\.1:\w+;", f"listen 127.0.0.1:{port};", text))
        return ["nginx", "-c", conf, "-e", os.path.join(TOOLS, "nginx.log")]
    return command


def ensure_prism():
    if os.path.exists(PRISM_BIN):
        return True
    log("installing Prism (npm @stoplight/prism-cli) into bench/.tools")
    try:
        os.makedirs(TOOLS, exist_ok=True)
        run(["npm", "install", "--silent", "--prefix", TOOLS, "@stoplight/prism-cli"], stdout=subprocess.DEVNULL)
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        log(f"Prism could not be installed ({e}); its columns are left out")
        return False
    return os.path.exists(PRISM_BIN)


def ensure_schemathesis():
    if os.path.exists(ST_BIN):
        return True
    log("installing Schemathesis (PyPI) into bench/.tools/venv")
    try:
        run([sys.executable, "-m", "venv", os.path.join(TOOLS, "venv")])
        run([os.path.join(TOOLS, "venv", "bin", "pip"), "install", "-q", "schemathesis"])
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        log(f"Schemathesis could not be installed ({e}); its column is left out")
        return False
    return os.path.exists(ST_BIN)


def version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, subprocess.TimeoutExpired, IndexError):
        return "unknown"


# ---------------------------------------------------------------- servers


def post_ok(port, timeout=1.0):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/mfa/primary",
        data=BODY,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


class Server:
    """One server process: started, timed to its first answered request, measured, stopped."""

    def __init__(self, name, command):
        self.name = name
        self.command = command

    def start(self, port, limit=60.0):
        started = time.perf_counter()
        self.process = subprocess.Popen(self.command(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.port = port
        while time.perf_counter() - started < limit:
            if post_ok(port, timeout=0.5):
                return (time.perf_counter() - started) * 1000
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}")
            time.sleep(0.002)
        self.stop()
        raise RuntimeError(f"{self.name} answered nothing within {limit} s")

    def cpu_seconds(self):
        """User + system CPU time of the process tree so far."""
        ticks = 0
        for pid in [self.process.pid] + children(self.process.pid):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])
            except (OSError, ValueError, IndexError):
                pass
        return ticks / os.sysconf("SC_CLK_TCK")

    def rss_mb(self):
        # Prism runs under node through a wrapper: count the whole process tree.
        total = 0
        for pid in [self.process.pid] + children(self.process.pid):
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1])
            except OSError:
                pass
        return total / 1024

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent == pid:
            found.append(int(entry))
            found.extend(children(int(entry)))
    return found


def wrk(port, connections, seconds, threads=2):
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", LUA, f"http://127.0.0.1:{port}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "rps": rps,
        "p50_ms": latency(out, "50%"),
        "p99_ms": latency(out, "99%"),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def latency(out, percentile):
    value, unit = re.search(rf"^\s+{re.escape(percentile)}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


# ---------------------------------------------------------------- checkers


def journal_count(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/__admin/requests", timeout=10) as r:
        count = len(json.load(r)["requests"])
    urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/__admin/requests", method="DELETE"), timeout=10)
    return count


def our_checker(port, cases):
    env = dict(os.environ, MFA_CONTRACT_TOKEN=TOKEN)
    started = time.perf_counter()
    subprocess.run(
        [MOCK_BIN, "check", "--target", f"http://127.0.0.1:{port}", "--cases", str(cases), "--format", "json", "--seed", "1"],
        env=env,
        capture_output=True,
        check=False,
    )
    return time.perf_counter() - started


def schemathesis(port, examples):
    started = time.perf_counter()
    out = subprocess.run(
        [
            ST_BIN, "run", OPENAPI, "--url", f"http://127.0.0.1:{port}", "-H", f"Authorization: Bearer {TOKEN}",
            "--max-examples", str(examples), "--continue-on-failure", "--no-color",
        ],
        capture_output=True,
        text=True,
        cwd=TOOLS,
        check=False,
    )
    elapsed = time.perf_counter() - started
    generated = re.search(r"(\d+) generated", out.stdout)
    return elapsed, int(generated.group(1)) if generated else None


# ---------------------------------------------------------------- report


def spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return min(values), statistics.median(values), max(values)


def fmt(triple, digits=0):
    if triple is None:
        return "n/a"
    lo, mid, hi = triple
    return f"{mid:,.{digits}f} ({lo:,.{digits}f}-{hi:,.{digits}f})"


def paired_ratios(numerators, denominators, key):
    by_round = {r["round"]: r[key] for r in denominators}
    return [r[key] / by_round[r["round"]] for r in numerators if by_round.get(r["round"])]


def ratio(a, b):
    if not a or not b:
        return "n/a"
    return f"{a[1] / b[1]:.2f}x"


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, {platform.system()} {platform.release()}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1 round, 1 s per measurement (smoke test)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--no-peers", action="store_true", help="skip Prism and Schemathesis")
    parser.add_argument("--no-record", action="store_true", help="do not append to BENCHMARKS.md")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.duration = 1, 1

    build()
    os.makedirs(TOOLS, exist_ok=True)
    run([MOCK_BIN, "openapi", "--output", OPENAPI])
    have_wrk = ensure_wrk()
    have_prism = not args.no_peers and ensure_prism()
    have_st = not args.no_peers and ensure_schemathesis()
    have_nginx = not args.no_peers and ensure_nginx()

    servers = [
        Server("mfa-contract mock", lambda p: [MOCK_BIN, "mock", "--port", str(p), "--workers", str(WORKERS)]),
        Server("bare actix-web", lambda p: [BARE_BIN, str(p), str(WORKERS)]),
    ]
    if have_prism:
        servers.append(Server("Prism", lambda p: [PRISM_BIN, "mock", OPENAPI, "--host", "127.0.0.1", "--port", str(p)]))

    results = {s.name: {"cold_ms": [], "rss_mb": [], 32: [], 64: []} for s in servers}
    if have_wrk:
        for round_no in range(args.rounds):
            # Rotate the order each round, so no server always runs first or last.
            order = servers[round_no % len(servers):] + servers[: round_no % len(servers)]
            for connections in (32, 64):
                for server in order:
                    log(f"round {round_no + 1}/{args.rounds}: {server.name}, {connections} connections")
                    cold = server.start(free_port())
                    try:
                        cpu_before = server.cpu_seconds()
                        figures = wrk(server.port, connections, args.duration)
                        requests = figures["rps"] * args.duration
                        figures["cpu_us"] = (server.cpu_seconds() - cpu_before) * 1e6 / max(requests, 1)
                        figures["round"] = round_no
                        results[server.name]["rss_mb"].append(server.rss_mb())
                    finally:
                        server.stop()
                    results[server.name]["cold_ms"].append(cold)
                    results[server.name][connections].append(figures)

    proxies = proxy_rounds(args, have_wrk, have_prism, have_nginx)

    checker = {"ours": [], "schemathesis": [], "st_generated": []}
    target = Server("target mock", lambda p: [MOCK_BIN, "mock", "--port", str(p), "--journal-size", "100000"])
    target.start(free_port())
    try:
        cases = 40 if args.quick else 400
        for round_no in range(args.rounds):
            log(f"round {round_no + 1}/{args.rounds}: checkers against the mock")
            journal_count(target.port)
            seconds = our_checker(target.port, cases)
            checker["ours"].append(journal_count(target.port) / seconds)
            if have_st:
                seconds, generated = schemathesis(target.port, 50 if args.quick else 500)
                checker["schemathesis"].append(journal_count(target.port) / seconds)
                checker["st_generated"].append(generated)
    finally:
        target.stop()

    lines = render(args, results, checker, have_wrk, have_prism, have_st)
    lines += render_proxies(proxies, have_wrk, have_prism)
    print("\n".join(lines))
    if not args.no_record and not args.quick:
        with open(os.path.join(ROOT, "BENCHMARKS.md"), "a") as f:
            f.write("\n" + "\n".join(lines) + "\n")
        log("appended to BENCHMARKS.md")


PROXY_PATHS = ["direct", "mfa-contract proxy", "byte relay", "nginx proxy", "Prism proxy"]


def proxy_rounds(args, have_wrk, have_prism, have_nginx):
    """Straight to an upstream (the mock), through `mfa-contract proxy`, through a byte relay (what
    forwarding alone costs, no HTTP), through nginx and through `prism proxy` in front of the same
    upstream, interleaved round by round: requests/s, CPU per exchange and latency at 32
    connections, and latency with one connection (what the proxy adds without queueing)."""
    results = {name: [] for name in PROXY_PATHS}
    if not have_wrk:
        return results
    for round_no in range(args.rounds):
        upstream = Server("upstream mock", lambda p: [MOCK_BIN, "mock", "--port", str(p), "--workers", str(WORKERS), "--log-format", "off"])
        upstream.start(free_port())
        upstream_url = f"http://127.0.0.1:{upstream.port}"
        try:
            fronts = [
                ("mfa-contract proxy", Server("mfa-contract proxy", lambda p: [
                    MOCK_BIN, "proxy", "--upstream", upstream_url, "--port", str(p), "--workers", str(WORKERS), "--log-format", "off"])),
                ("byte relay", Server("byte relay", lambda p: [RELAY_BIN, str(p), f"127.0.0.1:{upstream.port}", str(WORKERS)])),
            ]
            if have_nginx:
                fronts.append(("nginx proxy", Server("nginx proxy", nginx_command(upstream.port))))
            if have_prism:
                fronts.append(("Prism proxy", Server("Prism proxy", lambda p: [
                    PRISM_BIN, "proxy", OPENAPI, upstream_url, "--host", "127.0.0.1", "--port", str(p)])))
            log(f"round {round_no + 1}/{args.rounds}: straight to the upstream mock")
            results["direct"].append(measure_path(upstream, args.duration, round_no))
            for name, server in fronts:
                log(f"round {round_no + 1}/{args.rounds}: {name} in front of the mock")
                server.start(free_port())
                try:
                    results[name].append(measure_path(server, args.duration, round_no))
                finally:
                    server.stop()
        finally:
            upstream.stop()
    return results


def measure_path(server, seconds, round_no):
    cpu_before = server.cpu_seconds()
    figures = wrk(server.port, 32, seconds)
    figures["cpu_us"] = (server.cpu_seconds() - cpu_before) * 1e6 / max(figures["rps"] * seconds, 1)
    figures["p50_one_ms"] = wrk(server.port, 1, seconds, threads=1)["p50_ms"]
    figures["round"] = round_no
    return figures


def render_proxies(results, have_wrk, have_prism):
    if not have_wrk or not results["direct"]:
        return ["- proxy not measured: wrk is not installed"]
    lines = [
        "",
        "Proxy: the same upstream (the mock, 2 workers) reached straight, through `mfa-contract proxy` (2 workers,"
        " every exchange judged on both sides), through a byte relay (bench/relay.rs: bytes copied both ways, no HTTP),"
        " through nginx (2 workers, keep-alive upstream) and through `prism proxy`; wrk -t2 -c32, then wrk -t1 -c1;"
        " proxy, upstream and wrk share the cores. CPU is the front's own (not the upstream's) per exchange."
        + (f" {version(['nginx', '-v'])}." if results["nginx proxy"] else ""),
        "",
        "| path | requests/s | CPU us/exchange | p50 ms | p99 ms | p50 ms, 1 connection | non-2xx |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, runs in results.items():
        if runs:
            cpu = fmt(spread([r["cpu_us"] for r in runs]), 1) if name != "direct" else "(upstream) " + fmt(spread([r["cpu_us"] for r in runs]), 1)
            lines.append(
                f"| {name} | {fmt(spread([r['rps'] for r in runs]))} | {cpu} | {fmt(spread([r['p50_ms'] for r in runs]), 2)}"
                f" | {fmt(spread([r['p99_ms'] for r in runs]), 2)} | {fmt(spread([r['p50_one_ms'] for r in runs]), 3)}"
                f" | {sum(r['non_2xx'] for r in runs)} |"
            )
    ours = results["mfa-contract proxy"]
    direct = results["direct"]
    added = [o["p50_ms"] - d["p50_ms"] for o, d in zip(ours, direct)]
    added_one = [o["p50_one_ms"] - d["p50_one_ms"] for o, d in zip(ours, direct)]
    line = (
        f"- proxy/direct requests/s = {fmt(spread(paired_ratios(ours, direct, 'rps')), 2)}x per round (target >= 0.5x);"
        f" median latency added = {fmt(spread(added), 2)} ms at 32 connections, {fmt(spread(added_one), 3)} ms with one (target <= 0.3 ms)"
    )
    if have_prism and results["Prism proxy"]:
        line += f"; mfa-contract proxy/Prism proxy = {fmt(spread(paired_ratios(ours, results['Prism proxy'], 'rps')), 1)}x (target >= 20x)"
    lines.append(line)
    floors = []
    for name in ("byte relay", "nginx proxy"):
        if results[name]:
            floors.append(
                f"{name}/direct = {fmt(spread(paired_ratios(results[name], direct, 'rps')), 2)}x,"
                f" mfa-contract proxy/{name} = {fmt(spread(paired_ratios(ours, results[name], 'rps')), 2)}x"
            )
    if floors:
        lines.append("- references in the same rounds: " + "; ".join(floors))
    return lines


def render(args, results, checker, have_wrk, have_prism, have_st):
    versions = [
        version([MOCK_BIN, "--version"]),
        version(["wrk", "-v"]).split(" Copyright")[0] if have_wrk else "wrk: not installed",
        f"Prism {version([PRISM_BIN, '--version'])}" if have_prism else "Prism: not installed",
        version([ST_BIN, "--version"]) if have_st else "Schemathesis: not installed",
        version(["rustc", "--version"]),
    ]
    lines = [
        f"## {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}: {machine()}",
        "",
        f"Tools: {'; '.join(versions)}.",
        f"Method: `python3 bench/bench.py{' --quick' if args.quick else ''}`: {args.rounds} round(s), interleaved;"
        f" wrk -t2, {args.duration} s per run, POST /mfa/primary with a valid body and token; servers with"
        f" {WORKERS} workers where they have workers; each server started fresh per run (cold start = launch to"
        " first 200); resident memory read from /proc after the run. Figures are median (min-max).",
        "",
    ]
    if have_wrk:
        lines += [
            "| server | conns | requests/s | server CPU us/request | p50 ms | p99 ms | non-2xx | cold start ms | RSS after load MB |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for name, figures in results.items():
            for connections in (32, 64):
                runs = figures[connections]
                lines.append(
                    f"| {name} | {connections} | {fmt(spread([r['rps'] for r in runs]))} | {fmt(spread([r['cpu_us'] for r in runs]), 1)}"
                    f" | {fmt(spread([r['p50_ms'] for r in runs]), 2)}"
                    f" | {fmt(spread([r['p99_ms'] for r in runs]), 2)} | {sum(r['non_2xx'] for r in runs)}"
                    f" | {fmt(spread(figures['cold_ms']), 1)} | {fmt(spread(figures['rss_mb']), 1)} |"
                )
        mock = results["mfa-contract mock"]
        bare = results["bare actix-web"]
        lines.append("")
        for connections in (32, 64):
            # Paired by round: the two ran back to back, under the same background load.
            paired = spread(paired_ratios(mock[connections], bare[connections], "rps"))
            cpu = spread(paired_ratios(bare[connections], mock[connections], "cpu_us"))
            line = (
                f"- {connections} connections: mock/bare requests/s = {fmt(paired, 2)}x per round (target >= 0.8x);"
                f" bare/mock CPU per request = {fmt(cpu, 2)}x"
            )
            if have_prism:
                line += f"; mock/Prism = {fmt(spread(paired_ratios(mock[connections], results['Prism'][connections], 'rps')), 1)}x (target >= 30x)"
            lines.append(line)
        p99 = spread([r["p99_ms"] for r in mock[32]])
        lines.append(f"- mock p99 at 32 connections: {fmt(p99, 2)} ms (target <= 2 ms)")
        lines.append(f"- mock cold start: {fmt(spread(mock['cold_ms']), 1)} ms (target <= 100 ms); resident memory after load: {fmt(spread(mock['rss_mb']), 1)} MB (target <= 30 MB)")
        if have_prism:
            prism = results["Prism"]
            lines.append(f"- Prism cold start: {fmt(spread(prism['cold_ms']), 1)} ms; resident memory after load: {fmt(spread(prism['rss_mb']), 1)} MB")
    else:
        lines.append("- throughput not measured: wrk is not installed")
    ours = spread(checker["ours"])
    lines.append(f"- checker, requests checked per second against the mock (wall time, start-up included): mfa-contract check {fmt(ours)}")
    if have_st:
        st = spread(checker["schemathesis"])
        generated = spread(checker["st_generated"])
        lines.append(f"  Schemathesis {fmt(st)} ({fmt(generated)} test cases generated per run); ratio {ratio(ours, st)} (target >= 20x)")
    return lines


if __name__ == "__main__":
    main()
