"""A monitor's re-verification speed (issue 11.3) against ``verify`` on the same entries,
in the same run.

    python bench/monitor.py                  # the replay benchmark's ~10,000-event log
    python bench/monitor.py --events 20000 --repeats 3

The log is ``bench/replay.py``'s (real commands: case inspections, results,
publications, notes; built once and shared with it). Measured in one process,
``--repeats`` times, medians reported, over the same entries:

* ``verify`` -- what ``shuangsui verify`` runs: ``verify_ledger`` (hashes, links, the
  stored tree, every signature on all cores, checkpoints) then ``replay_ledger``;
* ``monitor`` -- :meth:`ledger.transparency.follow.Follower.extend` from an empty folder
  to the head checkpoint: the same chain checks and signatures (``verify_rows``), the
  root and state line recomputed, every command replayed, each entry written to the
  monitor's ``entries.jsonl``. Entries come from an in-process source
  (``select_chain``), so HTTP and JSON decoding of the API's pages are not counted;
* ``load`` -- a new monitor run loading the kept entries (chain checks without
  signatures, events applied without re-running commands).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.replay import build  # noqa: E402
from ledger.audit.notes import parse_checkpoint, parse_note  # noqa: E402
from ledger.bootstrap import open_ledger  # noqa: E402
from ledger.config import Settings  # noqa: E402
from ledger.transparency.database import replay_ledger, verify_ledger  # noqa: E402
from ledger.transparency.follow import Follower  # noqa: E402
from tests.support.monitoring import LedgerSource  # noqa: E402
from tests.vectors.testkeys import fixed_key  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()
    home = args.out / f"replay-{args.events}"
    if not (home / "ledger.sqlite3").exists():
        build(home, args.events)
    ledger = open_ledger(Settings(home=home), signer=fixed_key("ledger"))
    note = ledger.transparency.checkpoint()
    checkpoint = parse_checkpoint(parse_note(note).text)
    size = checkpoint.size
    source = LedgerSource("local", ledger.transparency)
    print(f"log: {size:,} entries")
    times: dict[str, list[float]] = {"verify": [], "monitor": [], "load": []}
    commands = 0
    for _ in range(args.repeats):
        started = time.perf_counter()
        report = verify_ledger(ledger)
        assert report, report.failure
        replayed = replay_ledger(ledger)
        assert replayed, replayed.failure
        times["verify"].append(time.perf_counter() - started)
        with tempfile.TemporaryDirectory() as where:
            folder = Path(where)
            follower = Follower(folder, ledger.routes, ledger.registry)
            started = time.perf_counter()
            extension = follower.extend(source, checkpoint, note)
            times["monitor"].append(time.perf_counter() - started)
            assert extension, extension.failure
            commands = extension.commands
            again = Follower(folder, ledger.routes, ledger.registry)
            started = time.perf_counter()
            again.load(size, follower.verified_bytes)
            times["load"].append(time.perf_counter() - started)
            assert again.size == size
    ledger.close()
    medians = {name: statistics.median(values) for name, values in times.items()}
    rates = {name: size / seconds for name, seconds in medians.items()}
    result = {
        "entries": size,
        "commands": commands,
        "repeats": args.repeats,
        **{f"{name}_s": round(medians[name], 2) for name in medians},
        **{f"{name}_entries_per_s": round(rates[name]) for name in rates},
        "monitor_vs_verify": round(rates["monitor"] / rates["verify"], 2),
    }
    print(json.dumps(result, indent=2))
    print("| entries | commands | verify (+replay) | monitor re-verify | monitor / verify | load |")
    print("|---|---|---|---|---|---|")
    print(
        f"| {size:,} | {commands:,} | {result['verify_entries_per_s']:,}/s | "
        f"{result['monitor_entries_per_s']:,}/s | {result['monitor_vs_verify']} | "
        f"{result['load_entries_per_s']:,}/s |"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "monitor.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
