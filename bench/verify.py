"""Verification speed: a whole ledger against raw Ed25519 verification on all cores.

    python bench/verify.py                  # 100,000 events (built once, then reused)
    python bench/verify.py --events 20000

The ledger is built with one event per command, so it holds two signatures per
event (the actor's and the ledger's). The baseline verifies exactly those
signatures with the same PyNaCl call (``crypto_sign_open``) in a bare loop, split
over every core, in the same run. Reported: events/s for both, their ratio, and
the medians of ``--repeats`` runs.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nacl.bindings import crypto_sign_open  # noqa: E402

from ledger.areas.notes.events import Note  # noqa: E402
from ledger.audit.chain import ChainChecker  # noqa: E402
from ledger.authorisation import sign_command  # noqa: E402
from ledger.bootstrap import open_ledger, route_table  # noqa: E402
from ledger.config import Settings  # noqa: E402
from ledger.transparency.database import iter_chain, verify_ledger  # noqa: E402
from tests.support.world import start_world  # noqa: E402
from tests.vectors.testkeys import fixed_key  # noqa: E402


def build(home: Path, events: int) -> Settings:
    settings = Settings(home=home)
    if (home / "ledger.sqlite3").exists():
        ledger = open_ledger(settings)
        size = ledger.head().position
        ledger.close()
        if size >= events:
            return settings
        raise SystemExit(f"{home} holds {size} events; delete it to rebuild")
    world = start_world(settings)
    department = fixed_key("department")
    todo = events - world.ledger.head().position
    start = time.perf_counter()
    for i in range(todo):
        world.ledger.save(
            Note(text=f"检查记录 {i}", author=department.key_id),
            authorisation=sign_command(department, "note.append", {"text": str(i)}),
        )
        if i % 10_000 == 0:
            print(f"  built {i:,}/{todo:,} ({time.perf_counter() - start:.0f} s)", file=sys.stderr)
    world.ledger.close()
    return settings


def _raw_chunk(jobs: list[tuple[bytes, bytes, bytes]]) -> int:
    for public_key, message, signature in jobs:
        crypto_sign_open(signature + message, public_key)
    return len(jobs)


def raw_rate(jobs: list[tuple[bytes, bytes, bytes]], events: int, workers: int) -> float:
    size = max(1, len(jobs) // (workers * 8))
    chunks = [jobs[i : i + size] for i in range(0, len(jobs), size)]
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pool.map(_raw_chunk, chunks[:workers])  # warm the workers up
        start = time.perf_counter()
        done = sum(pool.map(_raw_chunk, chunks))
        elapsed = time.perf_counter() - start
    assert done == len(jobs)
    return events / elapsed


def collect_jobs(settings: Settings) -> tuple[int, list[tuple[bytes, bytes, bytes]]]:
    ledger = open_ledger(settings)
    checker = ChainChecker(route_table())
    count = 0
    for row in iter_chain(ledger):
        assert checker.check(row) is None
        count += 1
    ledger.close()
    return count, [(pk, msg, sig) for _, _, pk, msg, sig in checker.jobs]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    home = ROOT / "bench" / "out" / f"verify-{args.events}"
    settings = build(home, args.events)
    workers = os.cpu_count() or 1
    events, jobs = collect_jobs(settings)
    ours, raw = [], []
    for rep in range(args.repeats):
        raw.append(raw_rate(jobs, events, workers))
        ledger = open_ledger(settings)
        start = time.perf_counter()
        report = verify_ledger(ledger, workers=workers)
        ours.append(events / (time.perf_counter() - start))
        ledger.close()
        assert report, report.failure
        print(
            f"  rep {rep + 1}: verify {ours[-1]:,.0f} events/s, raw signatures "
            f"{raw[-1]:,.0f} events/s",
            file=sys.stderr,
        )
    result: dict[str, Any] = {
        "events": events,
        "signatures": len(jobs),
        "cores": workers,
        "verify_events_per_s": round(statistics.median(ours)),
        "raw_events_per_s": round(statistics.median(raw)),
        "ratio": round(statistics.median(ours) / statistics.median(raw), 2),
    }
    print("| events | signatures | cores | verify events/s | raw PyNaCl events/s | ratio |")
    print("|---|---|---|---|---|---|")
    print(
        f"| {events:,} | {len(jobs):,} | {workers} | {result['verify_events_per_s']:,} | "
        f"{result['raw_events_per_s']:,} | {result['ratio']} |"
    )
    (ROOT / "bench" / "out" / "verify.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
