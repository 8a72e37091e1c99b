"""API throughput and latency against `shuangsui serve` on loopback, in one run.

    python bench/api.py                  # SQLite; 3,000 writes per setting
    python bench/api.py --writes 1000 --database-url postgresql://postgres@127.0.0.1/test

Measured, in this order, on one ledger:
1. the baseline: the same signed command (note.append) executed directly through
   the command layer in this process (`Ledger.execute`), no HTTP;
2. signed writes through the API with 1 and with 8 concurrent clients (threads, each
   with its own connection), every request signed with RFC 9421 by the client;
3. read latency of the public feed (GET /api/v1/publications?limit=50) and of a
   signed read (GET /api/v1/deadlines) paced at 100 requests/s: median and p99.
The clients run on the same 2 cores as the server, so they take CPU from it.
Goal: >= 300 signed writes/s; read p99 <= 20 ms.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import requests  # noqa: E402

from api.client import Client  # noqa: E402
from ledger.authorisation import sign_command  # noqa: E402
from ledger.config import Settings  # noqa: E402
from ledger.keys import write_key_file  # noqa: E402
from tests.support.county import build_county  # noqa: E402
from tests.support.world import start_world  # noqa: E402
from tests.vectors.testkeys import fixed_key  # noqa: E402

TEXT = "抽查结果公示 / result published " * 4


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def direct(world: Any, count: int) -> float:
    key = world.department
    started = time.perf_counter()
    for _ in range(count):
        world.ledger.execute(sign_command(key, "note.append", {"text": TEXT}))
    return count / (time.perf_counter() - started)


def writes(url: str, key: Any, count: int, clients: int) -> float:
    per = count // clients
    errors: list[str] = []

    def worker() -> None:
        client = Client(url, key)
        for _ in range(per):
            response = client.request(
                "POST", "/api/v1/notes", body=json.dumps({"text": TEXT}).encode()
            )
            if response.status_code != 201:
                errors.append(response.text)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{len(errors)} writes failed, e.g. {errors[0]}")
    return per * clients / elapsed


def paced_reads(url: str, path: str, key: Any, count: int, rate: float) -> list[float]:
    client = Client(url, key)
    latencies, interval = [], 1 / rate
    next_at = time.perf_counter()
    for _ in range(count):
        now = time.perf_counter()
        if now < next_at:
            time.sleep(next_at - now)
        next_at += interval
        started = time.perf_counter()
        response = client.request("GET", path)
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"read failed: {response.status_code} {response.text[:200]}")
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--writes", type=int, default=3000)
    parser.add_argument("--reads", type=int, default=1000)
    parser.add_argument("--database-url")
    parser.add_argument("--workers", type=int, default=1, help="serve --workers")
    args = parser.parse_args()
    database_url, schema = args.database_url, ""
    if database_url and "schema=" not in database_url:
        # A schema of its own, dropped at the end: a second run must not find the
        # first one's ledger (its genesis) where it starts a new one.
        schema = f"bench_api_{uuid.uuid4().hex[:8]}"
        database_url += ("&" if "?" in database_url else "?") + f"schema={schema}"
    try:
        report = measure(args, database_url)
    finally:
        if schema:
            with psycopg.connect(args.database_url, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    print(json.dumps(report, indent=2))
    print(
        "| backend | direct commands/s | API writes/s, 1 client | 8 clients | "
        "public read median / p99 | signed read median / p99 |"
    )
    print("|---|---|---|---|---|---|")
    print(
        f"| {report['backend']} | {report['direct_commands_per_s']:,} | "
        f"{report['api_writes_per_s_1_client']:,} ({report['api_vs_direct_1']}x) | "
        f"{report['api_writes_per_s_8_clients']:,} ({report['api_vs_direct_8']}x) | "
        f"{report['public_read_ms_median']} / {report['public_read_ms_p99']} ms | "
        f"{report['signed_read_ms_median']} / {report['signed_read_ms_p99']} ms |"
    )


def measure(args: argparse.Namespace, database_url: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as where:
        home = Path(where) / "home"
        settings = Settings(home=home, database_url=database_url)
        world = start_world(settings)
        build_county(world)
        settings.keys_dir.mkdir(parents=True, exist_ok=True)
        write_key_file(settings.ledger_key_path, fixed_key("ledger"))
        baseline = direct(world, args.writes)
        port = free_port()
        command = [sys.executable, "-m", "tools.cli", "--home", str(home)]
        if database_url:
            command += ["--database-url", database_url]
        server = subprocess.Popen(
            [
                *command,
                "serve",
                "--port",
                str(port),
                "--threads",
                "8",
                "--workers",
                str(args.workers),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(400):
                try:
                    requests.get(url + "/api/v1/status", timeout=1)
                    break
                except (requests.ConnectionError, requests.Timeout):
                    # Not up yet, or busy loading (the first request may take seconds
                    # on a loaded machine).
                    time.sleep(0.05)
            key = world.department
            writes(url, key, 200, 1)  # warm up
            one = writes(url, key, args.writes, 1)
            eight = writes(url, key, args.writes, 8)
            public = paced_reads(url, "/api/v1/publications?limit=50", None, args.reads, 100)
            signed = paced_reads(url, "/api/v1/deadlines", key, args.reads, 100)
        finally:
            server.terminate()
            server.wait(timeout=10)
            world.ledger.close()
    report = {
        "backend": ("postgresql" if args.database_url else "sqlite")
        + f", {args.workers} worker(s)",
        "direct_commands_per_s": round(baseline),
        "api_writes_per_s_1_client": round(one),
        "api_writes_per_s_8_clients": round(eight),
        "api_vs_direct_1": round(one / baseline, 2),
        "api_vs_direct_8": round(eight / baseline, 2),
        "public_read_ms_median": round(statistics.median(public), 2),
        "public_read_ms_p99": round(percentile(public, 0.99), 2),
        "signed_read_ms_median": round(statistics.median(signed), 2),
        "signed_read_ms_p99": round(percentile(signed, 0.99), 2),
    }
    return report


if __name__ == "__main__":
    main()
