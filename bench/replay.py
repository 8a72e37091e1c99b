"""Replay verification speed (issue 11.1) against the projection rebuild and the
current verify, on the same log, in the same run.

    python bench/replay.py                  # ~20,000 events (built once, then reused)
    python bench/replay.py --events 50000 --repeats 3

Replay needs a log of real commands (every event must be what its command produces),
so unlike ``bench/projections.py`` the log here is written command by command through
``Ledger.execute``: the test county (departments, keys, lists, inspectors), 1,000
directory objects imported in batches, then case inspections of them -- each one
``inspection.record`` by an inspector (2 events), ``result.enter`` (1) and
``result.publish`` by the department (1) -- and a note every 50 commands.

Measured in the same process, ``--repeats`` times, medians reported:

* ``rebuild`` -- ``projections.runner.rebuild`` into a fresh projections file (the
  baseline the issue names: replay must run at >= 0.5x its events/s);
* ``verify`` -- ``verify_ledger`` (hashes, links, tree, every signature on all cores),
  the check ``shuangsui verify`` ran before replay existed;
* ``replay`` -- ``replay_ledger``: every command re-run over the state before it and
  its entries compared byte for byte.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ledger.areas.directory.importer import import_objects  # noqa: E402
from ledger.bootstrap import open_ledger  # noqa: E402
from ledger.config import Settings  # noqa: E402
from ledger.draw.world import SNAPSHOT_TOPICS, fold  # noqa: E402
from ledger.transparency.database import replay_ledger, verify_ledger  # noqa: E402
from projections.runner import rebuild  # noqa: E402
from projections.store import Store  # noqa: E402
from tests.support.county import add_people, build_county  # noqa: E402
from tests.support.world import start_world  # noqa: E402
from tests.vectors.testkeys import fixed_key  # noqa: E402
from tools.fakecounty import write_generated_objects  # noqa: E402

OBJECTS = 1000
DAY = "2026-11-02"


def build(home: Path, events: int) -> None:
    world = start_world(Settings(home=home))
    county = build_county(world)
    add_people(county)
    source = home / "objects.csv"
    write_generated_objects(source, OBJECTS, departments=("SCJGJ",), seed=11)
    # Dated like the world's setup: an import signed now would come after every command
    # of DAY, which the time-order rule (format 2) then refuses.
    with county.dated():
        import_objects(source, "SCJGJ", county.submitter("SCJGJ"))
    objects = sorted(fold(world.ledger.topic_events(SNAPSHOT_TOPICS)).directory.objects)
    print(f"building a ~{events:,}-event log in {home} ...", flush=True)
    started, n = time.perf_counter(), 0
    while world.ledger.head().position < events:
        obj = objects[n % len(objects)]
        basis = {"kind": "case", "case": f"C-{n}", "trigger": "complaint", "reference": f"R{n}"}
        common: dict[str, Any] = {"basis": basis, "object": obj, "item": "SCJGJ:SC-001"}
        county.run(
            "S1",
            "inspection.record",
            on=DAY,
            method="on_site",
            inspectors=["S1", "S2"],
            checked_on=DAY,
            **common,
        )
        county.run("S1", "result.enter", on=DAY, result="no_problem", formed_on=DAY, **common)
        county.run("SCJGJ", "result.publish", on=DAY, published_on=DAY, **common)
        if n % 16 == 0:
            county.run("SCJGJ", "note.append", on=DAY, text=f"周报 {n}")
        n += 1
    print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
    world.ledger.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()
    home = args.out / f"replay-{args.events}"
    if not (home / "ledger.sqlite3").exists():
        build(home, args.events)
    ledger = open_ledger(Settings(home=home), signer=fixed_key("ledger"))
    size = ledger.head().position
    print(f"log: {size:,} entries")
    times: dict[str, list[float]] = {"rebuild": [], "verify": [], "replay": []}
    commands = 0
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as where:
            store = Store(Path(where) / "projections.sqlite3")
            started = time.perf_counter()
            rebuild(ledger, store)
            times["rebuild"].append(time.perf_counter() - started)
            store.close()
        started = time.perf_counter()
        report = verify_ledger(ledger)
        times["verify"].append(time.perf_counter() - started)
        assert report, report.failure
        started = time.perf_counter()
        replayed = replay_ledger(ledger)
        times["replay"].append(time.perf_counter() - started)
        assert replayed, replayed.failure
        commands = replayed.commands
    ledger.close()
    medians = {name: statistics.median(values) for name, values in times.items()}
    rates = {name: size / seconds for name, seconds in medians.items()}
    result = {
        "events": size,
        "commands": commands,
        "repeats": args.repeats,
        **{f"{name}_s": round(medians[name], 2) for name in medians},
        **{f"{name}_events_per_s": round(rates[name]) for name in rates},
        "replay_vs_rebuild": round(rates["replay"] / rates["rebuild"], 2),
        "replay_vs_verify": round(rates["replay"] / rates["verify"], 2),
    }
    print(json.dumps(result, indent=2))
    print("| events | commands | rebuild | verify | replay | replay / rebuild | replay / verify |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {size:,} | {commands:,} | {result['rebuild_events_per_s']:,}/s | "
        f"{result['verify_events_per_s']:,}/s | {result['replay_events_per_s']:,}/s | "
        f"{result['replay_vs_rebuild']} | {result['replay_vs_verify']} |"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "replay.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
