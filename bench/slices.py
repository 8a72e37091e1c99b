"""A complete slice of a large log: proof size and verify time for one object's trail.

    python bench/slices.py                      # 1,000,000 entries
    python bench/slices.py --size 100000 --repeats 3

The log: the test county (genesis, departments, item lists, 600 objects in the
directory, inspectors, a task), then ``--size`` filler entries laid in bulk (stored
events, chain rows and the Merkle tree, as ``bench/proofs.py`` lays them; 5 versions
per stream, each
event naming one of 100,000 other objects, so the state map has about size/5 stream
leaves and 100,000 subject leaves), then one case inspection and its violation on one
object of the directory, signed and recorded through the ledger. Then:

1. the checkpoint of the head, which builds the state map over every entry and
   stores the writer's copy (the filler is laid without the writer: a first build);
   then three notes, and a checkpoint in a new process, which grows the stored copy
   by the new entries (:mod:`ledger.storage.statemaps`), against the same-run
   baseline of the map rebuilt in memory over every entry (what a new process paid
   before the copy was stored);
2. ``export`` of that object's trail slice (``{"object": ...}``): the whole bundle's
   size, and how much of it is inclusion proofs and state-map proofs;
3. ``verify_bundle`` of the slice (one worker), median of ``--repeats``; the same slice
   exported from the county without the filler is the same-run baseline.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ledger.audit.bundles import verify_bundle  # noqa: E402
from ledger.audit.hashing import MerkleFrontier, leaf_hash, sha256  # noqa: E402
from ledger.audit.statemap import StateMap  # noqa: E402
from ledger.bootstrap import route_table  # noqa: E402
from ledger.config import Settings  # noqa: E402
from ledger.storage.statemaps import StoredStateMap  # noqa: E402
from tests.support.county import add_people, objects  # noqa: E402
from tests.support.draws import drawable_county  # noqa: E402
from tests.support.world import start_world  # noqa: E402

BASIS = {"kind": "case", "case": "TS-BENCH-1", "trigger": "complaint", "reference": "12315 1"}


def lay_filler(world: Any, size: int) -> None:
    ledger = world.ledger
    chain = ledger.chain
    start = ledger.head().position
    frontier = MerkleFrontier()
    for row in ledger.select_chain(0, start):
        frontier.append(row.entry_hash)
    db = chain.datastore
    table = chain.events_table_name
    began = time.perf_counter()
    batch = 50_000
    with db.transaction(commit=False) as c:
        c.execute(f"SELECT max(rowid) FROM {table}")
        rowid = int(c.fetchone()[0])
    for first in range(start + 1, start + size + 1, batch):
        events, chain_rows, tree_rows = [], [], []
        for position in range(first, min(first + batch, start + size + 1)):
            n = position - start
            stream = uuid.UUID(int=n // 5 + 1).hex
            state = json.dumps({"object": f"F{n % 100_000}", "n": n}).encode()
            rowid += 1
            events.append((stream, n % 5 + 1, "shuangsui.bench.filler", state))
            entry = json.dumps({"bulk": position, "event": sha256(state).hex()}).encode()
            h = leaf_hash(entry)
            chain_rows.append((position, rowid, entry, h, None, None, None, None, None))
            tree_rows += frontier.append(h)
        with db.transaction(commit=True) as c:
            c.executemany(
                f"INSERT INTO {table} (originator_id, originator_version, topic, state) "
                "VALUES (?,?,?,?)",
                events,
            )
            c.executemany("INSERT INTO ledger_chain VALUES (?,?,?,?,?,?,?,?,?)", chain_rows)
            c.executemany("INSERT INTO ledger_tree VALUES (?,?,?)", tree_rows)
        print(
            f"  laid {first - start + len(events) - 1:,}/{size:,} "
            f"({time.perf_counter() - began:.0f} s)",
            file=sys.stderr,
        )


def county_with_a_violation(home: Path, filler: int) -> tuple[Any, str]:
    world = start_world(Settings(home=home))
    county = drawable_county(world, home)
    add_people(county)
    obj = objects(county)[0]
    if filler:
        lay_filler(world, filler)
    day = "2026-09-22"
    for action, extra in (
        ("inspection.record", {"method": "on_site", "inspectors": ["S1", "S2"], "checked_on": day}),
        ("result.enter", {"result": "violation", "formed_on": day}),
    ):
        county.run("S1", action, on=day, basis=BASIS, object=obj, item="SCJGJ:SC-001", **extra)
    return world, obj


def rebuilt(world: Any, size: int) -> tuple[StateMap, float]:
    """The state map rebuilt in memory over every entry: what a new process paid for
    its first checkpoint before the writer kept its copy in the database."""
    began = time.perf_counter()
    state = StateMap(lists=True)
    while state.size < size:
        for row in world.ledger.chain.select_entry_meta(state.size, size, 5000):
            position, entry_hash, stream, version, topic, body = row
            state.observe(position, stream, version, topic, entry_hash, body)
    return state, time.perf_counter() - began


def measure(home: Path, filler: int, repeats: int) -> dict[str, Any]:
    world, obj = county_with_a_violation(home, filler)
    t = world.ledger.transparency
    t._state = None  # a cold process
    began = time.perf_counter()
    t.checkpoint()
    checkpoint_s = time.perf_counter() - began
    # A new process after a few more commands: it grows the stored copy.
    for i in range(3):
        world.note(f"周报 {i}")
    size = t.size()
    __, rebuilt_s = rebuilt(world, size)
    t._state, t._stored = None, StoredStateMap(world.ledger.chain)
    began = time.perf_counter()
    t.checkpoint()
    new_process_s = time.perf_counter() - began
    out = home / "trail.bundle"
    began = time.perf_counter()
    t.export(out, positions=[size - 3], query={"object": obj})
    export_s = time.perf_counter() - began
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    records = [json.loads(x) for x in lines]
    state = next(x for x, r in zip(lines, records, strict=True) if r["t"] == "state")
    proofs = sum(len(json.dumps(r["proof"])) for r in records if r["t"] == "entry")
    verify_bundle(lines, route_table(), workers=1)  # warm-up (imports, caches)
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        report = verify_bundle(lines, route_table(), workers=1)
        times.append(time.perf_counter() - began)
        assert report and report.complete is not None, report.failure
    world.ledger.close()
    return {
        "log_entries": report.complete["size"],
        "slice_entries": sum(1 for r in records if r["t"] == "entry"),
        "bundle_bytes": sum(len(x.encode()) for x in lines),
        "inclusion_proof_bytes": proofs,
        "state_proof_bytes": len(state.encode()),
        "state_buckets": len(json.loads(state)["proofs"]),
        "checkpoint_s": round(checkpoint_s, 2),
        "rebuilt_in_memory_s": round(rebuilt_s, 2),
        "new_process_checkpoint_s": round(new_process_s, 3),
        "export_s": round(export_s, 2),
        "verify_ms_median": round(statistics.median(times) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "slices.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = measure(Path(tmp) / "small", 0, args.repeats)
        large = measure(Path(tmp) / "large", args.size, args.repeats)
    rows = [("county only", base), (f"county + {args.size:,} filler", large)]
    print(
        "| log | entries | slice entries | bundle | inclusion proofs | state proofs "
        "| first checkpoint | new process: map rebuilt (before) | new process: checkpoint "
        "(stored map) | export | verify (median) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in rows:
        print(
            f"| {name} | {r['log_entries']:,} | {r['slice_entries']} | "
            f"{r['bundle_bytes']:,} B | {r['inclusion_proof_bytes']:,} B | "
            f"{r['state_proof_bytes']:,} B ({r['state_buckets']} buckets) | "
            f"{r['checkpoint_s']} s | {r['rebuilt_in_memory_s']} s | "
            f"{r['new_process_checkpoint_s']} s | {r['export_s']} s | {r['verify_ms_median']} ms |"
        )
    ratio = large["verify_ms_median"] / max(base["verify_ms_median"], 0.001)
    print(f"\nverify time ratio (large / county only): {ratio:.2f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"small": base, "large": large, "ratio": ratio}, indent=1))


if __name__ == "__main__":
    main()
