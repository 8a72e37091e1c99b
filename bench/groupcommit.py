"""Group commit (issue 15.1): signed commands from several threads of one process, with
a transaction per command against group commit, in the same process and run.

    python bench/groupcommit.py                      # SQLite 8 threads, PostgreSQL 4 threads
    python bench/groupcommit.py --skip-postgres --commands 200 --repeats 1

Subjects, alternating within each repeat on one ledger:
* "alone": the sequencer with batches of one -- one transaction (one lock, one commit,
  one fsync) per command, as without group commit;
* "group commit": batches of whatever has queued (``ledger/storage/sequencer.py``).
Each command is ``Ledger.execute`` of a signed ``note.append`` (signed before the clock
starts). Reported: commands/s (median of the repeats), the ratio, and the commands per
batch.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ledger.authorisation import sign_command  # noqa: E402
from ledger.bootstrap import open_ledger  # noqa: E402
from ledger.config import Settings  # noqa: E402
from ledger.storage.sequencer import MAX_BATCH  # noqa: E402
from tests.support.world import start_world  # noqa: E402
from tests.vectors.testkeys import fixed_key  # noqa: E402

PG = "postgresql://postgres@127.0.0.1:5432/test"
TEXT = "抽查结果公示 / result published " * 4


def trial(ledger: Any, threads: int, commands: int) -> tuple[float, float]:
    department = fixed_key("department")
    per = commands // threads
    auths = [
        [sign_command(department, "note.append", {"text": TEXT}) for _ in range(per)]
        for _ in range(threads)
    ]
    failures: list[BaseException] = []

    def work(mine: list[Any]) -> None:
        try:
            for auth in mine:
                ledger.execute(auth)
        except BaseException as exc:
            failures.append(exc)

    sequencer = ledger.chain.sequencer
    batches, recorded = sequencer.batches, sequencer.commands
    workers = [threading.Thread(target=work, args=(mine,)) for mine in auths]
    start = time.perf_counter()
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    elapsed = time.perf_counter() - start
    if failures:
        raise SystemExit(f"a command failed: {failures[0]!r}")
    per_batch = (sequencer.commands - recorded) / max(1, sequencer.batches - batches)
    return per * threads / elapsed, per_batch


def measure(kind: str, threads: int, commands: int, repeats: int) -> dict[str, Any]:
    schema = f"bg_{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        settings = (
            Settings(home=home, database_url=f"{PG}?schema={schema}")
            if kind == "postgres"
            else Settings(home=home)
        )
        start_world(settings).ledger.close()
        ledger = open_ledger(settings, signer=fixed_key("ledger"))
        alone: list[float] = []
        grouped: list[float] = []
        sizes: list[float] = []
        try:
            for rep in range(repeats):
                ledger.chain.sequencer.max_batch = 1
                alone.append(trial(ledger, threads, commands)[0])
                ledger.chain.sequencer.max_batch = MAX_BATCH
                rate, size = trial(ledger, threads, commands)
                grouped.append(rate)
                sizes.append(size)
                print(
                    f"  {kind} {threads} threads rep {rep + 1}: alone {alone[-1]:,.0f}/s "
                    f"group commit {grouped[-1]:,.0f}/s ({size:.2f} commands per batch)",
                    file=sys.stderr,
                )
        finally:
            ledger.close()
            if kind == "postgres":
                with psycopg.connect(PG, autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    a, g = statistics.median(alone), statistics.median(grouped)
    return {
        "backend": kind,
        "threads": threads,
        "commands": commands,
        "alone_per_s": round(a),
        "group_commit_per_s": round(g),
        "ratio": round(g / a, 2),
        "commands_per_batch": round(statistics.median(sizes), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--commands", type=int, default=800, help="commands per subject")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    rows = []
    if not args.skip_sqlite:
        rows.append(measure("sqlite", 8, args.commands, args.repeats))
    if not args.skip_postgres:
        rows.append(measure("postgres", 4, args.commands // 2, args.repeats))
    print(
        "| backend | threads | a transaction per command/s | group commit/s | ratio "
        "| commands per batch |"
    )
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['backend']} | {r['threads']} | {r['alone_per_s']:,} | "
            f"{r['group_commit_per_s']:,} | {r['ratio']} | {r['commands_per_batch']} |"
        )
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "groupcommit.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
