"""The public pages under load: the feed page's p99 at 50 requests/s over a 1M-result
log, and the pages' weight.

    python bench/pages.py                       # 1,000,000 published results
    python bench/pages.py --results 100000 --reads 500

The demo county is built in a temporary home (`shuangsui demo`); then ``--results``
synthetic published results (real departments, items and result categories, generated
names and credit codes) are written straight into its projection file's ``publications``
table at positions after the log's head -- the feed page reads only that table, and
writing a million results through the ledger would take hours. `shuangsui serve`
(waitress, 8 threads, one process) then answers, on loopback, requests paced at
``--rate`` per second from 4 client threads on the same 2 cores: the JSON feed
(``/api/v1/publications?limit=20``, the same-run baseline) and the feed page for the
newest page, a deep page (``?before=``), a department filter, a credit-code search and
a name search. Goal: feed page p99 <= 100 ms at 50 requests/s; page weight <= 200 KB
without images.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from ledger.areas.inspections.events import RESULTS  # noqa: E402

CLI = [sys.executable, "-m", "tools.cli"]
SURNAMES = "安岳普州蜀丰恒达福临龙台石羊周礼岳阳兴隆通贤"
TRADES = ["食品", "餐饮", "建材", "药房", "商贸", "农业", "科技", "酒店", "物流", "超市"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def fill(projections: Path, count: int, seed: int = 7) -> tuple[int, int, str, str]:
    """Write ``count`` synthetic publications; return (first, last position, a credit
    code and a name fragment that occur)."""
    rng = random.Random(seed)
    db = sqlite3.connect(projections)
    head = db.execute("SELECT position FROM state WHERE name = 'log'").fetchone()[0]
    items = [(d, f"{d}:{c}") for d, c in db.execute("SELECT department, code FROM items")]
    results = list(RESULTS)
    weights = [70, 12, 8, 4, 3, 2, 1]
    first = head + 1
    code = name = ""
    batch = []
    for n in range(count):
        department, item = items[n % len(items)]
        uscc = f"9151{rng.randrange(10**14):014d}"
        trade = TRADES[n % len(TRADES)]
        firm = f"安岳县{SURNAMES[n % len(SURNAMES)]}{trade}{n}有限公司"
        day = f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}"
        batch.append(
            (first + n, uscc, firm, department, item, rng.choices(results, weights)[0], day, day)
        )
        if n == count // 2:
            code, name = uscc, f"{trade}{n}"
        if len(batch) == 50_000:
            db.executemany("INSERT INTO publications VALUES (?,?,?,?,?,?,?,?)", batch)
            db.commit()
            batch.clear()
    db.executemany("INSERT INTO publications VALUES (?,?,?,?,?,?,?,?)", batch)
    db.commit()
    db.execute("ANALYZE")
    db.close()
    return first, first + count - 1, code, name


def paced(url: str, paths: list[str], rate: float) -> tuple[list[float], int]:
    """GET each path at ``rate`` per second (open loop, 4 client threads); latencies in ms
    and the largest body in bytes."""
    latencies: list[float] = []
    largest = 0
    lock = threading.Lock()
    session = threading.local()
    start = time.perf_counter() + 0.2

    def one(i: int, path: str) -> None:
        nonlocal largest
        wait = start + i / rate - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        if not hasattr(session, "s"):
            session.s = requests.Session()
        began = time.perf_counter()
        response = session.s.get(url + path, timeout=30)
        elapsed = (time.perf_counter() - began) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code}")
        with lock:
            latencies.append(elapsed)
            largest = max(largest, len(response.content))

    with ThreadPoolExecutor(4) as pool:
        for future in [pool.submit(one, i, p) for i, p in enumerate(paths)]:
            future.result()
    return latencies, largest


def weight(url: str, path: str) -> int:
    """Bytes of a page and everything it loads (stylesheet, scripts; no images)."""
    import re

    html = requests.get(url + path, timeout=30).text
    total = len(html.encode())
    for asset in set(re.findall(r'(?:href|src)="(/static/[^"]+)"', html)):
        total += len(requests.get(url + asset, timeout=30).content)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--results", type=int, default=1_000_000)
    parser.add_argument("--reads", type=int, default=1000, help="requests per setting")
    parser.add_argument("--rate", type=float, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as where:
        home = Path(where) / "home"
        subprocess.run(
            [*CLI, "--home", str(home), "demo"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL
        )
        subprocess.run(
            [*CLI, "--home", str(home), "projections", "update"],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        projections = next(home.glob("**/projections*.sqlite3"))
        began = time.perf_counter()
        first, last, code, name = fill(projections, args.results)
        filled = time.perf_counter() - began
        port = free_port()
        server = subprocess.Popen(
            [*CLI, "--home", str(home), "serve", "--port", str(port), "--threads", "8"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        rng = random.Random(3)
        try:
            for _ in range(600):
                try:
                    requests.get(url + "/api/v1/status", timeout=1)
                    break
                except requests.ConnectionError:
                    time.sleep(0.05)
            paced(url, ["/"] * 50, args.rate)  # warm up
            settings = {
                "JSON feed (baseline)": ["/api/v1/publications?limit=20"] * args.reads,
                "feed page, newest": ["/"] * args.reads,
                "feed page, deep (?before=)": [
                    f"/?before={rng.randrange(first, last)}" for _ in range(args.reads)
                ],
                "feed page, department filter": ["/?department=SWJ"] * args.reads,
                "feed page, credit-code search": [f"/?q={code}"] * args.reads,
                "feed page, name search": [f"/?q={name}"] * max(1, args.reads // 10),
            }
            report: dict[str, Any] = {
                "results": args.results,
                "rate": args.rate,
                "fill_seconds": round(filled, 1),
            }
            for label, paths in settings.items():
                latencies, largest = paced(url, paths, args.rate)
                report[label] = {
                    "requests": len(latencies),
                    "median_ms": round(statistics.median(latencies), 2),
                    "p99_ms": round(percentile(latencies, 0.99), 2),
                    "bytes": largest,
                }
            base = report["JSON feed (baseline)"]["median_ms"]
            report["feed page / JSON feed, median"] = round(
                report["feed page, newest"]["median_ms"] / base, 2
            )
            published = requests.get(url + "/api/v1/publications?limit=1", timeout=30).json()
            position = published["items"][0]["position"]
            report["page weight, bytes"] = {
                "feed /": weight(url, "/"),
                "result /r/N (QR inline)": weight(url, f"/r/{position}"),
                "draw ceremony": weight(url, "/draws/T-2026-001/1/ceremony"),
                "login": weight(url, "/login"),
            }
        finally:
            server.terminate()
            server.wait(timeout=10)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "pages.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"| request ({args.results:,} results, {args.rate:g}/s) | median | p99 | body |")
    print("|---|---|---|---|")
    for label, row in report.items():
        if isinstance(row, dict) and "median_ms" in row:
            print(
                f"| {label} | {row['median_ms']} ms | {row['p99_ms']} ms | "
                f"{row['bytes'] / 1000:.1f} KB |"
            )
    print()
    print("| page (HTML + stylesheet + scripts, no images) | weight |")
    print("|---|---|")
    for label, size in report["page weight, bytes"].items():
        print(f"| {label} | {size / 1000:.1f} KB |")
    print()
    print(
        f"feed page / JSON feed, median: {report['feed page / JSON feed, median']}x; "
        "goals: feed page p99 <= 100 ms at 50 requests/s over 1M results, weight <= 200 KB"
    )


if __name__ == "__main__":
    main()
