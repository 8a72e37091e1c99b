"""Projection throughput: full rebuild, incremental update and a trail query.

    python bench/projections.py                 # 1,000,000 events (log built once, ~2 min)
    python bench/projections.py --events 100000

The log is a county (departments, keys, lists, inspectors) followed by case
inspections, four events each (opened, checked, result, published: the events a
county writes most), saved 100 events per signed command. The baseline, measured in
the same run on the same log, is the bare decode-read: every chain row read in the
runner's batches with its entry and event state JSON-decoded, and nothing written.
Reported: rebuild events/s (goal >= 15,000) and its ratio to the baseline; the
incremental update of 1,000 new events; and the median / p99 of a trail query and of
a duty review for one object (goal <= 50 ms).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ledger.areas.directory.uscc import make_uscc  # noqa: E402
from ledger.areas.inspections.events import Inspection  # noqa: E402
from ledger.authorisation import sign_command  # noqa: E402
from ledger.bootstrap import open_ledger  # noqa: E402
from ledger.config import Settings  # noqa: E402
from projections.read.trails import trail  # noqa: E402
from projections.review import review  # noqa: E402
from projections.runner import BATCH, rebuild, update  # noqa: E402
from projections.store import Store  # noqa: E402
from tests.support.county import build_county, key_for  # noqa: E402
from tests.support.world import start_world  # noqa: E402
from tests.vectors.testkeys import fixed_key  # noqa: E402

PER_COMMAND = 25  # inspections per signed command: 100 events


def inspections(start: int, count: int) -> list[Inspection]:
    out = []
    rng = random.Random(start)
    for n in range(start, start + count):
        obj = make_uscc(f"91512021{n:09d}")
        day = (dt.date(2026, 1, 5) + dt.timedelta(days=n % 300)).isoformat()
        basis = {"kind": "case", "case": f"C-{n}", "trigger": "complaint", "reference": f"R{n}"}
        inspection = Inspection(object=obj, department="SCJGJ", basis=basis)
        people = tuple(rng.sample(("S1", "S2", "S3"), 2))
        inspection.record_check(
            item="SCJGJ:SC-001", method="on_site", inspectors=people, checked_on=day, delegated=None
        )
        inspection.enter_result(
            item="SCJGJ:SC-001",
            department="SCJGJ",
            result=rng.choice(("no_problem", "corrected", "violation")),
            details=None,
            formed_on=day,
            entered_by=people[0],
        )
        inspection.publish(
            item="SCJGJ:SC-001",
            department="SCJGJ",
            published_on=day,
            channels=("national_enterprise_credit_publicity",),
        )
        out.append(inspection)
    return out


def append(ledger: object, start: int, events: int) -> int:
    key = key_for("SCJGJ")
    count = events // 4
    for at in range(start, start + count, PER_COMMAND):
        batch = inspections(at, min(PER_COMMAND, start + count - at))
        auth = sign_command(key, "inspection.record", {"bulk": at})
        ledger.save(*batch, authorisation=auth)  # type: ignore[attr-defined]
    return start + count


def build(home: Path, events: int) -> None:
    world = start_world(Settings(home=home))
    build_county(world)
    print(f"building a {events:,}-event log in {home} ...", flush=True)
    started = time.perf_counter()
    append(world.ledger, 0, events)
    print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
    world.ledger.close()


def decode_read(ledger: object) -> float:
    started, after = time.perf_counter(), 0
    while True:
        rows = ledger.select_chain(after, BATCH)  # type: ignore[attr-defined]
        if not rows:
            break
        for row in rows:
            json.loads(row.entry)
            json.loads(row.event.state)
        after = rows[-1].position
    return time.perf_counter() - started


def timed(fn: object, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append((time.perf_counter() - started) * 1000)
    return sorted(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()
    home = args.out / f"projections-{args.events}"
    if not (home / "ledger.sqlite3").exists():
        build(home, args.events)
    ledger = open_ledger(Settings(home=home), signer=fixed_key("ledger"))
    size = ledger.head().position
    print(f"log: {size:,} entries")
    with tempfile.TemporaryDirectory() as where:
        store = Store(Path(where) / "projections.sqlite3")
        baseline = decode_read(ledger)
        started = time.perf_counter()
        rebuild(ledger, store)
        full = time.perf_counter() - started
        again = decode_read(ledger)
        baseline = min(baseline, again)

        start = store.db.execute("SELECT COUNT(*) FROM inspections").fetchone()[0] + 10_000_000
        append(ledger, start, 1000)
        started = time.perf_counter()
        applied = update(ledger, store)
        incremental = time.perf_counter() - started

        keys = [
            r["object"]
            for r in store.db.query("SELECT object FROM inspections ORDER BY random() LIMIT 200")
        ]
        today = dt.date(2026, 11, 26)
        pick = iter(keys * 2)
        trail_ms = timed(lambda: trail(store.db, "object", next(pick), today), 200)
        pick = iter(keys * 2)
        review_ms = timed(lambda: review(store.db, "object", next(pick), today), 200)
        store.close()
    ledger.close()
    rate = size / full
    report = {
        "events": size,
        "decode_read_s": round(baseline, 2),
        "decode_read_events_per_s": round(size / baseline),
        "rebuild_s": round(full, 2),
        "rebuild_events_per_s": round(rate),
        "rebuild_vs_decode_read": round(baseline / full, 2),
        "incremental_events": applied,
        "incremental_ms": round(incremental * 1000, 1),
        "trail_ms_median": round(statistics.median(trail_ms), 2),
        "trail_ms_p99": round(trail_ms[int(len(trail_ms) * 0.99) - 1], 2),
        "review_ms_median": round(statistics.median(review_ms), 2),
        "review_ms_p99": round(review_ms[int(len(review_ms) * 0.99) - 1], 2),
    }
    print(json.dumps(report, indent=2))
    print(
        "| events | decode-read | rebuild | rebuild / decode-read | +1,000 incremental | "
        "trail median / p99 | review median / p99 |"
    )
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {size:,} | {report['decode_read_events_per_s']:,}/s | {round(rate):,}/s "
        f"({full:.1f} s) | {report['rebuild_vs_decode_read']} | "
        f"{report['incremental_ms']} ms | {report['trail_ms_median']} / "
        f"{report['trail_ms_p99']} ms | {report['review_ms_median']} / "
        f"{report['review_ms_p99']} ms |"
    )
    (args.out / "projections.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
