"""Province scale on PostgreSQL (issue 15 part 7): how a county's log behaves as it grows.

    python bench/province.py                              # 100,000 and 1,000,000 entries
    python bench/province.py --sizes 100000 1000000 10000000
    python bench/province.py --sizes 20000 --draw-objects 5000 --quick

Each size is a county of a provincial deployment: its own schema in the province's one
PostgreSQL database (``SHUANGSUI_BENCH_PG``; the schema is dropped afterwards). The
county log is laid in bulk, not by signed API calls: the test county (genesis, keys,
departments, item lists), then inspections written through the chained recorder in
commits of 1,000 events, one signed authorisation each (``bench/projections.py``'s
filler), so every entry is a real chain row with its link, leaf hash, tree nodes and the
ledger's signature. The same measurements on a county of ``--base`` entries (10,000)
are the same-run baseline; each figure's ratio is against it. Measured at each size:

* **append** -- signed ``note.append`` commands through ``Ledger.execute``, one commit
  each (median of ``--repeats`` batches of ``--commands``): commands/s; flat expected;
* **proofs** -- inclusion and consistency proofs (``--samples`` each, random positions):
  median ms, with log2(size): O(log n) expected;
* **verify** -- ``verify_ledger`` of the whole county log (every hash, link, signature,
  the stored tree, checkpoints), 2 workers: entries/s; flat expected;
* **projection rebuild** -- ``projections.runner.rebuild`` into a fresh file: entries/s;
  flat expected;
* **storage** -- every table and index of the county's schema (pg_total_relation_size),
  per entry, beside the events' own state per entry;
* **province listing** -- the cross-county read over ``--counties`` small county logs in
  the same database: ms per county (linear in the counties, flat in their sizes);
* **draw** -- ``bench/draw.py`` at ``--draw-objects`` objects (its own SQLite county):
  ``draw.commit`` and ``verify-draw`` seconds and RSS; linear in the directory expected
  (a draw reads every eligible object), its per-object cost flat.

A progress line goes to stderr for everything that runs more than a few seconds. The
hardware a province needs follows from these figures (README, "A province").
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from ledger.audit.hashing import leaf_hash, verify_consistency, verify_inclusion  # noqa: E402
from ledger.authorisation import sign_command  # noqa: E402
from ledger.bootstrap import open_ledger  # noqa: E402
from ledger.config import Settings  # noqa: E402
from ledger.counties import County, county_settings  # noqa: E402
from ledger.storage.writer import CHAIN_TABLE, STATE_TABLES, TREE_TABLE  # noqa: E402
from ledger.transparency.database import verify_ledger  # noqa: E402
from projections.runner import rebuild  # noqa: E402
from projections.store import Store  # noqa: E402
from tests.support.county import build_county, key_for  # noqa: E402
from tests.support.world import start_world  # noqa: E402
from tests.vectors.testkeys import fixed_key  # noqa: E402

PG = os.environ.get("SHUANGSUI_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
OUT = ROOT / "bench" / "out"
#: Inspections per bulk commit (4 events each: 1,000 events per commit).
PER_COMMIT = 250


def progress(label: str, done: int, total: int, began: float) -> None:
    """One progress line on stderr: a bar, the count and the rate."""
    width = 30
    filled = int(width * done / max(total, 1))
    took = time.perf_counter() - began
    rate = done / took if took > 0 else 0.0
    print(
        f"\r  {label} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} "
        f"({rate:,.0f}/s, {took:,.0f} s)",
        end="" if done < total else "\n",
        file=sys.stderr,
        flush=True,
    )


def county(home: Path, code: str) -> Settings:
    province = Settings(home=home, database_url=PG)
    return county_settings(province, County(code, code, f"{code}.bench/shuangsui"))


def drop(settings: Settings) -> None:
    schema = f"county_{settings.home.name}"
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def lay(settings: Settings, entries: int) -> float:
    """The test county, then ``entries`` inspection events in commits of 100; returns the
    seconds the filler took."""
    inspections = _filler()

    world = start_world(settings)
    build_county(world)
    ledger = world.ledger
    key = key_for("SCJGJ")
    count = entries // 4
    began = time.perf_counter()
    for at in range(0, count, PER_COMMIT):
        batch = inspections(at, min(PER_COMMIT, count - at))
        ledger.save(*batch, authorisation=sign_command(key, "inspection.record", {"bulk": at}))
        if at % (PER_COMMIT * 20) == 0 or at + PER_COMMIT >= count:
            progress("laying", min(at + PER_COMMIT, count) * 4, count * 4, began)
    ledger.close()
    took = time.perf_counter() - began
    # The planner's statistics, as autovacuum would gather them on a log that grew over
    # years: this machine's server runs with autovacuum off, and on tables laid in bulk
    # without statistics a proof took 16 ms instead of 2.5 and the first checkpoint 252 s
    # instead of 0.6 (1M entries). A province's server keeps autovacuum on (the default).
    with psycopg.connect(PG, autocommit=True) as conn:
        for table in (CHAIN_TABLE, TREE_TABLE, "shuangsui_events", *STATE_TABLES.values()):
            conn.execute(f'ANALYZE "county_{settings.home.name}".{table}')
    return took


def _filler() -> Any:
    """``inspections`` of bench/projections.py (its file name is the package's name)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "bench_projections", ROOT / "bench" / "projections.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.inspections


def append_rate(settings: Settings, commands: int, repeats: int) -> float:
    ledger = open_ledger(settings, signer=fixed_key("ledger"))
    office = fixed_key("office")
    rates = []
    for rep in range(repeats):
        began = time.perf_counter()
        for i in range(commands):
            ledger.execute(sign_command(office, "note.append", {"text": f"会议纪要 {rep}-{i}"}))
        rates.append(commands / (time.perf_counter() - began))
    ledger.close()
    return statistics.median(rates)


def proofs(settings: Settings, samples: int) -> dict[str, float]:
    ledger = open_ledger(settings, signer=fixed_key("ledger"))
    t = ledger.transparency
    began = time.perf_counter()
    t.checkpoint()
    checkpoint_s = time.perf_counter() - began
    size = ledger.head().position
    rng = random.Random(size)
    root = t.root(size)
    inclusion, consistency = [], []
    for _ in range(samples):
        position = rng.randint(1, size)
        start = time.perf_counter()
        proof = t.inclusion_proof(position, size)
        inclusion.append(time.perf_counter() - start)
        leaf = leaf_hash(ledger.chain.select_positions([position])[0].entry)
        assert verify_inclusion(leaf, position - 1, size, proof, root)
    for _ in range(samples):
        old = rng.randint(1, size - 1)
        start = time.perf_counter()
        proof = t.consistency_proof(old, size)
        consistency.append(time.perf_counter() - start)
        assert verify_consistency(old, size, proof, t.root(old), root)
    ledger.close()
    return {
        "checkpoint_s": round(checkpoint_s, 2),
        "inclusion_ms": round(statistics.median(inclusion) * 1000, 3),
        "consistency_ms": round(statistics.median(consistency) * 1000, 3),
    }


def verify_rate(settings: Settings) -> tuple[int, float]:
    ledger = open_ledger(settings, read_only=True)
    size = ledger.head().position
    began = time.perf_counter()
    done = [0]

    def verified(step: int) -> None:  # verify_ledger reports each step, not the total
        done[0] += step
        progress("verify", min(done[0], size), size, began)

    report = verify_ledger(ledger, workers=2, progress=verified)
    took = time.perf_counter() - began
    ledger.close()
    assert report, report.failure
    return size, size / took


def rebuild_rate(settings: Settings) -> float:
    ledger = open_ledger(settings, read_only=True)
    size = ledger.head().position
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "projections.sqlite3")
        began = time.perf_counter()
        done = [0]

        def step(n: int) -> None:  # the rebuild reports each batch's count
            done[0] += n
            progress("rebuild", min(done[0], size), size, began)

        rebuild(ledger, store, progress=step)
        took = time.perf_counter() - began
        store.close()
    ledger.close()
    return size / took


def stored_bytes(settings: Settings) -> tuple[int, int]:
    """Every table and index of the county's schema, as PostgreSQL stores them, and the
    events' own state (the bytes the log exists to keep)."""
    schema = f"county_{settings.home.name}"
    with psycopg.connect(PG, autocommit=True) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'm')",
            (schema,),
        ).fetchone()
        state = conn.execute(
            f'SELECT coalesce(sum(length(state)), 0) FROM "{schema}".shuangsui_events'
        ).fetchone()
    return (int(row[0]) if row else 0), (int(state[0]) if state else 0)


def measure(settings: Settings, filler: int, args: argparse.Namespace) -> dict[str, Any]:
    print(f"county {settings.home.name}: {filler:,} filler entries", file=sys.stderr)
    try:
        laid = lay(settings, filler)
        size, verify = verify_rate(settings)
        stored, state = stored_bytes(settings)
        row: dict[str, Any] = {
            "entries": size,
            "bytes_per_entry": round(stored / size),
            "state_per_entry": round(state / size),
            "lay_s": round(laid, 1),
            "verify_per_s": round(verify),
            "rebuild_per_s": round(rebuild_rate(settings)),
            "append_per_s": round(append_rate(settings, args.commands, args.repeats), 1),
        }
        row.update(proofs(settings, args.samples))
        row["log2"] = round(math.log2(row["entries"]), 2)
        print(f"  {row}", file=sys.stderr)
        return row
    finally:
        drop(settings)


def listing(home: Path, counties: int, tag: str) -> dict[str, Any]:
    """The province's cross-county read (``county list``, ``/province/api/v1/counties``)
    over ``counties`` small county logs in one database: ms per county."""
    from ledger.counties import Counties, survey

    province = Settings(home=home / "listing", database_url=PG)
    registry = Counties(province.home)
    began = time.perf_counter()
    made = []
    try:
        for n in range(counties):
            entry = County(f"l{tag}_{n}", f"县{n}", f"l{tag}-{n}.bench/shuangsui")
            registry = registry.add(entry)
            settings = county_settings(province, entry)
            made.append(settings)
            start_world(settings).ledger.close()
            progress("counties", n + 1, counties, began)
        times = []
        for _ in range(3):
            start = time.perf_counter()
            rows = survey(province, registry)
            times.append(time.perf_counter() - start)
        assert all(r.size for r in rows), [r.problem for r in rows]
        took = statistics.median(times)
        return {"counties": counties, "listing_s": round(took, 3),
                "ms_per_county": round(took * 1000 / counties, 1)}  # fmt: skip
    finally:
        for settings in made:
            drop(settings)


def draw(objects: int) -> dict[str, Any]:
    """bench/draw.py at ``objects`` objects in a process of its own."""
    print(f"draw at {objects:,} objects (bench/draw.py)", file=sys.stderr)
    kept = OUT / "draw.json"
    before = kept.read_bytes() if kept.exists() else None
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "draw.py"), "--objects", str(objects),
         "--inspectors", "500"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True,
    )  # fmt: skip
    report = json.loads(kept.read_text())
    if before is not None:  # bench/draw.py's own run keeps its report
        kept.write_bytes(before)
    report["objects"] = objects
    report["stdout_tables"] = [x for x in done.stdout.splitlines() if x.startswith("|")]
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument(
        "--base", type=int, default=10_000, help="The baseline county's filler entries."
    )
    parser.add_argument("--draw-objects", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument(
        "--counties", type=int, default=20, help="Counties for the cross-county listing."
    )
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:6]
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        base = measure(county(home, f"bench{tag}_0"), args.base, args)
        rows = [(f"{args.base:,} (baseline)", base)]
        for size in args.sizes:
            rows.append((f"{size:,}", measure(county(home, f"bench{tag}_{size}"), size, args)))
        listed = listing(home, args.counties, tag) if args.counties else None
    draws = [draw(n) for n in args.draw_objects]

    print("| county log | entries | append cmd/s | ratio | inclusion ms | consistency ms "
          "| log2 n | verify entries/s | ratio | rebuild entries/s | ratio | checkpoint s "
          "| stored B/entry (state) | laid in |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in rows:
        print(
            f"| {name} | {r['entries']:,} | {r['append_per_s']:,} | "
            f"{r['append_per_s'] / base['append_per_s']:.2f} | {r['inclusion_ms']} | "
            f"{r['consistency_ms']} | {r['log2']} | {r['verify_per_s']:,} | "
            f"{r['verify_per_s'] / base['verify_per_s']:.2f} | {r['rebuild_per_s']:,} | "
            f"{r['rebuild_per_s'] / base['rebuild_per_s']:.2f} | {r['checkpoint_s']} | "
            f"{r['bytes_per_entry']:,} ({r['state_per_entry']}) | {r['lay_s']} s |"
        )
    if draws:
        print()
        print("| directory | `draw.commit` s | `draw.run` s | `verify-draw` s | µs per object "
              "(verify-draw) | ratio | `verify-draw` alone: peak RSS MiB |")  # fmt: skip
        print("|---:|---:|---:|---:|---:|---:|---:|")
        first = draws[0]["verify_draw_s"] / draws[0]["objects"]
        for d in draws:
            per = d["verify_draw_s"] / d["objects"]
            print(
                f"| {d['objects']:,} | {d['commit_s']} | {d['run_command_s']} | "
                f"{d['verify_draw_s']} | {per * 1e6:.1f} | {per / first:.2f} | "
                f"{d['verify_alone']['rss_mib']} |"
            )
    if listed:
        print()
        print("| counties in one database | province listing (median of 3) | per county |")
        print("|---:|---:|---:|")
        print(f"| {listed['counties']} | {listed['listing_s']} s | {listed['ms_per_county']} ms |")
    (OUT / "province.json").write_text(
        json.dumps(
            {"rows": dict(rows), "draws": draws, "listing": listed}, indent=1, ensure_ascii=False
        )
    )


if __name__ == "__main__":
    main()
