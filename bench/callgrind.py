#!/usr/bin/env python3
"""Instructions per request, under valgrind's callgrind: repeatable to the instruction, whatever
else the machine is doing (BENCHMARKS.md, "the method").

    python3 bench/callgrind.py                       # bare actix-web and the mock (log and journal on)
    python3 bench/callgrind.py --binary path/to/mfa-contract --label "mock, variant"
    python3 bench/callgrind.py --log-compare        # the log line: hand-written against tracing
    python3 bench/callgrind.py --cors-compare       # CORS: hand-written against actix-cors
    python3 bench/callgrind.py --proxy-compare BEFORE AFTER   # the proxy, two binaries side by side
    python3 bench/callgrind.py --mock-compare BEFORE AFTER    # the mock, two binaries and bare actix
    python3 bench/callgrind.py --operations-compare BINARY    # 14 operations against 240

Each server runs with one worker under callgrind; N sequential keep-alive requests
(POST /mfa/primary, valid body and token) are sent, then the server is stopped. The figure is
(Ir after 5,000 requests - Ir after 1,000) / 4,000: start-up and shutdown cancel out. User space
only (callgrind does not see the kernel). Standard library only.
"""

import argparse
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.path.join(ROOT, "target", "release")
BODY = b'{"mfaType":"PASSKEY"}'
HEADERS = {"Content-Type": "application/json", "Authorization": "Bearer bench-token-0001"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def instructions(command, port, requests, path, headers=HEADERS):
    out = os.path.join(tempfile.mkdtemp(), "callgrind.out")
    server = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 120
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request("POST", path, body=BODY, headers=headers)
                connection.getresponse().read()
                break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError(f"{command[0]} did not answer under valgrind")
                time.sleep(0.2)
        for _ in range(requests - 1):
            connection.request("POST", path, body=BODY, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{command[0]} answered {response.status}")
        connection.close()
    finally:
        server.terminate()
        server.wait(timeout=120)
    with open(out) as f:
        text = f.read()
    total = re.search(r"^summary:\s+(\d+)", text, re.M) or re.search(r"^totals:\s+(\d+)", text, re.M)
    return int(total.group(1))


def per_request(command_for, path="/mfa/primary", headers=HEADERS):
    counts = {}
    for n in (1000, 5000):
        port = free_port()
        counts[n] = instructions(command_for(port), port, n, path, headers)
    return (counts[5000] - counts[1000]) / 4000


def program_total(command):
    """Ir of a whole program run (no server), stdout thrown away."""
    out = os.path.join(tempfile.mkdtemp(), "callgrind.out")
    subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    with open(out) as f:
        text = f.read()
    total = re.search(r"^summary:\s+(\d+)", text, re.M) or re.search(r"^totals:\s+(\d+)", text, re.M)
    return int(total.group(1))


def log_compare(mock_per_request):
    example = os.path.join(RELEASE, "examples", "log_compare")
    lines = {}
    for mode in ("hand", "tracing"):
        a = program_total([example, mode, "5000"])
        b = program_total([example, mode, "20000"])
        lines[mode] = (b - a) / 15000
    extra = lines["tracing"] - lines["hand"]
    print(f"log line, hand-written: {lines['hand']:,.0f} instructions")
    print(f"log line, tracing (custom FormatEvent, cached timestamp, non-blocking writer): {lines['tracing']:,.0f} instructions")
    print(f"tracing adds {extra:,.0f} instructions per request: {100 * extra / mock_per_request:+.1f} % of the mock's {mock_per_request:,.0f}")


def cors_compare(mock_per_request):
    example = os.path.join(RELEASE, "examples", "cors_compare")
    for label, headers in (("without an Origin header", HEADERS), ("from an allowed origin", dict(HEADERS, Origin="http://localhost:5173"))):
        figures = {mode: per_request(lambda p, m=mode: [example, m, str(p)], "/mfa/primary", headers) for mode in ("hand", "actix-cors")}
        extra = figures["actix-cors"] - figures["hand"]
        print(
            f"{label}: bare handler + hand-written CORS {figures['hand']:,.0f}, + actix-cors {figures['actix-cors']:,.0f} instructions per request;"
            f" actix-cors adds {extra:,.0f}: {100 * extra / mock_per_request:+.1f} % of the mock's {mock_per_request:,.0f}"
        )


def proxy_compare(before, after):
    """The proxy's instructions per judged exchange (an uncompressed answer from the mock, which
    runs natively as the upstream), for two binaries in one run, and the ratio."""
    port = free_port()
    upstream = subprocess.Popen(
        [after, "mock", "--port", str(port), "--workers", "1", "--log-format", "off"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(1)
        figures = {}
        for label, binary in (("before", before), ("after", after)):
            figures[label] = per_request(lambda p, b=binary: [
                b, "proxy", "--upstream", f"http://127.0.0.1:{port}", "--port", str(p),
                "--workers", "1", "--log-format", "off"])
            print(f"proxy, {label} ({binary}): {figures[label]:,.0f} instructions per judged exchange")
        print(f"after / before: {figures['after'] / figures['before']:.3f}x")
    finally:
        upstream.terminate()
        upstream.wait(timeout=30)


def mock_compare(before, after, extra):
    """The mock's instructions per request for two binaries and the bare handler, in one run."""
    bare, validating = bare_figures()
    figures = {}
    for label, binary in (("before", before), ("after", after)):
        figures[label] = per_request(lambda p, b=binary: [b, "mock", "--port", str(p), "--workers", "1", *extra])
        print(f"mock, {label} ({binary}): {figures[label]:,.0f} instructions per request; "
              f"{figures[label] / bare:.2f}x bare, {figures[label] / validating:.2f}x bare that validates")
    print(f"after / before: {figures['after'] / figures['before']:.3f}x")


def refuses_invalid_bodies(command):
    """The validating baseline really validates: 400 for a body outside the schema, 200 for ours."""
    port = free_port()
    server = subprocess.Popen([command, str(port), "1", "validate"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30
        statuses = None
        while statuses is None:
            try:
                statuses = [
                    post_status(port, body) for body in (b'{"mfaType":"SMS"}', b"not json", BODY)
                ]
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError(f"{command} validate did not answer")
                time.sleep(0.1)
        if statuses != [400, 400, 200]:
            raise RuntimeError(f"{command} validate answered {statuses}, not [400, 400, 200]")
    finally:
        server.terminate()
        server.wait(timeout=30)


def post_status(port, body):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", "/mfa/primary", body=body, headers=HEADERS)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def bare_figures():
    """The two baselines, printed: the bare handler, and the bare handler that validates each
    body against the seed's request schema as a hand-written backend would."""
    command = os.path.join(RELEASE, "examples", "bare_actix")
    refuses_invalid_bodies(command)
    bare = per_request(lambda p: [command, str(p), "1"])
    validating = per_request(lambda p: [command, str(p), "1", "validate"])
    print(f"bare actix-web: {bare:,.0f} instructions per request")
    print(f"bare actix-web that validates: {validating:,.0f} instructions per request")
    return bare, validating


def contract_of(binary, operations, into):
    """The built-in contract exported to `into`, with synthetic operations added up to
    `operations` in all (half with a literal path, half with a path parameter)."""
    subprocess.run([binary, "contract", "export", into], check=True, stdout=subprocess.DEVNULL)
    manifest_path = os.path.join(into, "schemas", "contract.json")
    with open(manifest_path) as f:
        manifest = json.load(f)
    extra = operations - 1 - len(manifest["operations"])
    for i in range(extra):
        templated = i % 2 == 1
        operation = {
            "operationId": f"benchOperation{i}",
            "method": "GET",
            "path": f"/bench/{i}/items/{{id}}" if templated else f"/bench/{i}/items",
            "responses": {"200": {"description": "Done", "schema": "done.schema.json",
                                  "fixture": "operations/enableMfaMethod/200/enabled.json"}},
        }
        if templated:
            operation["parameters"] = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
        manifest["operations"].append(operation)
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=1)
    return into


def operations_compare(binary, extra):
    """POST /mfa/primary with the built-in contract (14 operations) and with 240; a 240-operation
    OpenAPI document imported and loaded; the checker's plan for each."""
    work = tempfile.mkdtemp()
    many = contract_of(binary, 240, os.path.join(work, "many"))
    builtin = per_request(lambda p: [binary, "mock", "--port", str(p), "--workers", "1", *extra])
    large = per_request(lambda p: [binary, "--contract", many, "mock", "--port", str(p), "--workers", "1", *extra])
    print(f"POST /mfa/primary, built-in contract (14 operations): {builtin:,.0f} instructions per request")
    print(f"POST /mfa/primary, 240 operations: {large:,.0f} instructions per request; {large / builtin:.3f}x")
    document = os.path.join(work, "many.openapi.json")
    with open(document, "w") as f:
        subprocess.run([binary, "--contract", many, "openapi"], stdout=f, check=True)
    times = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([binary, "--contract", document, "contract", "validate"], stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    print(f"a 240-operation OpenAPI document imported and loaded (contract validate): best of 3 {min(times):.3f} s")
    for label, contract in (("built-in, 14 operations", None), ("240 operations", many)):
        args = [binary] + (["--contract", contract] if contract else []) + [
            "check", "--target", "http://127.0.0.1:9", "--dry-run", "--format", "json", "--seed", "1"]
        plan = json.loads(subprocess.run(args, capture_output=True, check=True).stdout)
        parts = plan.get("operations", [plan])
        cases = sum(len(p["cases"]) + sum(len(s["steps"]) for s in p["sequences"]) for p in parts)
        print(f"check's plan, {label}: {cases:,} requests, {cases / len(parts):.0f} per operation")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", help="an mfa-contract binary to measure instead of the pair")
    parser.add_argument("--label", default="mock")
    parser.add_argument("--args", default="", help="extra arguments for `mock`, space-separated")
    parser.add_argument("--log-compare", action="store_true", help="also: the log line, hand-written against tracing")
    parser.add_argument("--cors-compare", action="store_true", help="also: CORS, hand-written against actix-cors")
    parser.add_argument("--mock-compare", nargs=2, metavar=("BEFORE", "AFTER"), help="the mock: two binaries side by side")
    parser.add_argument("--proxy-compare", nargs=2, metavar=("BEFORE", "AFTER"), help="the proxy: two binaries side by side")
    parser.add_argument("--operations-compare", metavar="BINARY", help="14 operations against 240, one binary")
    args = parser.parse_args()
    extra = args.args.split()
    if args.operations_compare:
        operations_compare(args.operations_compare, extra)
        return
    if args.proxy_compare:
        proxy_compare(*args.proxy_compare)
        return
    if args.mock_compare:
        mock_compare(*args.mock_compare, extra)
        return
    if args.binary:
        figure = per_request(lambda p: [args.binary, "mock", "--port", str(p), "--workers", "1", *extra])
        print(f"{args.label}: {figure:,.0f} instructions per request")
        return
    subprocess.run(
        ["cargo", "build", "--release", "--locked", "--bin", "mfa-contract", "--example", "bare_actix",
         "--example", "log_compare", "--example", "cors_compare"],
        cwd=ROOT,
        check=True,
    )
    bare, validating = bare_figures()
    mock = per_request(lambda p: [os.path.join(RELEASE, "mfa-contract"), "mock", "--port", str(p), "--workers", "1", *extra])
    print(f"{args.label} (log and journal on): {mock:,.0f} instructions per request; "
          f"{mock / bare:.2f}x bare, {mock / validating:.2f}x bare that validates")
    if args.log_compare:
        log_compare(mock)
    if args.cors_compare:
        cors_compare(mock)


if __name__ == "__main__":
    sys.exit(main())
