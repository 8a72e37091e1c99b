"""Bytes per event: a format-3 ledger (full chain rows) against a format-4 one (compact
rows, :mod:`ledger.audit.rows`), same run, same commands (issue 15 part 3).

    python bench/storage.py                       # 3,000 notes and a 2,000-object demo county
    python bench/storage.py --notes 500 --objects 200 --repeats 1

Two ledgers per format: one of small notes (one signed command, one event each) and the
demo county (``shuangsui demo``: imports, plans, a draw, results). For each: the SQLite
file's size per event after a WAL checkpoint and ``VACUUM``, the bytes per event beyond
the events' own state, the pages of each table and index (``dbstat``) and the stored
bytes of each chain column, and a full bundle's bytes per event. The notes ledger also
gives the append rate (signed commands per second, one per commit) and the full
verification rate (entries per second); formats alternate, the median of the repeats
is reported with the ratio compact / full.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from ledger import formats  # noqa: E402
from ledger.audit.bundles import BUNDLE_FORMATS  # noqa: E402
from ledger.bootstrap import open_ledger  # noqa: E402
from ledger.config import Settings  # noqa: E402
from ledger.transparency import log  # noqa: E402
from ledger.transparency.database import verify_ledger  # noqa: E402
from tests.support.world import start_world  # noqa: E402
from tools.cli import cli  # noqa: E402

FULL, COMPACT = 3, max(4, formats.CURRENT)
CHAIN_COLUMNS = ("entry", "entry_hash", "command", "actor_key", "nonce", "signer", "signature")
TEXT = "抽查结果公示 / result published"  # a short note: the log of small commands


def sizes(db: Path, bundle: Path | None, bundle_v1: Path | None = None) -> dict[str, Any]:
    """Bytes of a ledger file per event: whole, beyond the state, per table, per column."""
    with sqlite3.connect(db) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        c.execute("VACUUM")
        events = c.execute("SELECT COUNT(*) FROM ledger_chain").fetchone()[0]
        state = c.execute("SELECT SUM(length(state)) FROM stored_events").fetchone()[0]
        tables = {
            name: size / events
            for name, size in c.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")
        }
        columns = {
            col: (c.execute(f"SELECT SUM(length({col})) FROM ledger_chain").fetchone()[0] or 0)
            / events
            for col in CHAIN_COLUMNS
        }
    size = db.stat().st_size
    return {
        "events": events,
        "file_per_event": size / events,
        "state_per_event": state / events,
        "beyond_state_per_event": (size - state) / events,
        "file_over_state": size / state,
        "bundle_per_event": bundle.stat().st_size / events if bundle else None,
        "bundle_v1_per_event": bundle_v1.stat().st_size / events if bundle_v1 else None,
        "tables_per_event": tables,
        "chain_columns_per_event": columns,
    }


def export(settings: Settings, out: Path, version: int = 2) -> Path:
    """A full bundle; ``version`` 1 writes every line in full, as before bundles v2."""
    ledger = open_ledger(settings, signer=None)
    saved = log.BUNDLE_FORMAT, log.compact_line
    try:
        if version == 1:
            log.BUNDLE_FORMAT = BUNDLE_FORMATS[0]
            log.compact_line = lambda line, row, previous: line
        ledger.transparency.export(out)
    finally:
        log.BUNDLE_FORMAT, log.compact_line = saved
        ledger.close()
    return out


def notes(fmt: int, count: int, where: Path) -> tuple[dict[str, Any], float, float]:
    """A ledger of ``count`` notes under format ``fmt``: its sizes, append and verify rates."""
    formats.CURRENT = fmt
    settings = Settings(home=where / "home")
    world = start_world(settings)
    assert formats.of(world.ledger) == fmt
    start = time.perf_counter()
    for i in range(count):
        world.note(f"{TEXT} {i}")
    append = count / (time.perf_counter() - start)
    world.ledger.transparency.checkpoint()
    start = time.perf_counter()
    report = verify_ledger(world.ledger)
    verify = report.size / (time.perf_counter() - start)
    assert report, report.failure
    world.ledger.close()
    bundle = export(settings, where / "full.jsonl")
    old = export(settings, where / "full-v1.jsonl", version=1)
    return sizes(settings.home / "ledger.sqlite3", bundle, old), append, verify


def postgres_notes(fmt: int, count: int, url: str, where: Path) -> dict[str, Any]:
    """A ledger of ``count`` notes on PostgreSQL (a schema of its own, dropped after):
    the bytes of each table with its indexes and TOAST, and of each chain column."""
    formats.CURRENT = fmt
    schema = f"bench_storage_{uuid.uuid4().hex[:12]}"
    world = start_world(Settings(home=where / "pg", database_url=f"{url}?schema={schema}"))
    try:
        for i in range(count):
            world.note(f"{TEXT} {i}")
        events_table = world.ledger.chain.events_table_name
        world.ledger.close()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM")
            events = conn.execute(f'SELECT COUNT(*) FROM "{schema}".ledger_chain').fetchone()[0]
            state = conn.execute(
                f'SELECT SUM(length(state)) FROM "{schema}"."{events_table}"'
            ).fetchone()[0]
            tables = {
                name: size / events
                for name, size in conn.execute(
                    "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = %s AND c.relkind = 'r'",
                    (schema,),
                )
            }
            columns = {
                col: (
                    conn.execute(
                        f'SELECT SUM(pg_column_size({col})) FROM "{schema}".ledger_chain'
                    ).fetchone()[0]
                    or 0
                )
                / events
                for col in CHAIN_COLUMNS
            }
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    total = sum(tables.values())
    return {
        "events": events,
        "total_per_event": total,
        "state_per_event": state / events,
        "beyond_state_per_event": total - state / events,
        "tables_per_event": tables,
        "chain_columns_per_event": columns,
    }


def county(fmt: int, objects: int, where: Path) -> dict[str, Any]:
    formats.CURRENT = fmt
    home = where / "county"
    result = CliRunner().invoke(cli, ["--home", str(home), "demo", "--objects", str(objects)])
    assert result.exit_code == 0, result.output
    settings = Settings(home=home)
    ledger = open_ledger(settings, signer=None)
    try:
        assert formats.of(ledger) == fmt
        report = verify_ledger(ledger)
        assert report, report.failure
    finally:
        ledger.close()
    return sizes(
        home / "ledger.sqlite3",
        export(settings, where / "county.jsonl"),
        export(settings, where / "county-v1.jsonl", version=1),
    )


def row(name: str, full: dict[str, Any], compact: dict[str, Any]) -> str:
    def cell(key: str) -> str:
        a, b = full[key], compact[key]
        return f"{a:,.0f} → {b:,.0f} ({b / a:.2f}×)"

    return (
        f"| {name} | {full['events']:,} | {full['state_per_event']:,.0f} | "
        f"{cell('file_per_event')} | {cell('beyond_state_per_event')} | "
        f"{full['file_over_state']:.1f}× → {compact['file_over_state']:.1f}× | "
        f"{full['bundle_v1_per_event']:,.0f} → {compact['bundle_per_event']:,.0f} "
        f"({compact['bundle_per_event'] / full['bundle_v1_per_event']:.2f}×) |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--notes", type=int, default=3000)
    parser.add_argument("--objects", type=int, default=2000, help="the demo county's size")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-county", action="store_true")
    parser.add_argument(
        "--database-url", help="also a notes ledger on this PostgreSQL (bytes only)"
    )
    args = parser.parse_args()
    rates: dict[int, dict[str, list[float]]] = {f: {"append": [], "verify": []} for f in (3, 4)}
    measured: dict[str, dict[int, dict[str, Any]]] = {"notes": {}, "county": {}}
    for rep in range(args.repeats):
        for fmt in (FULL, COMPACT) if rep % 2 == 0 else (COMPACT, FULL):
            with tempfile.TemporaryDirectory() as tmp:
                sized, append, verify = notes(fmt, args.notes, Path(tmp))
            measured["notes"][fmt] = sized
            key = 3 if fmt == FULL else 4
            rates[key]["append"].append(append)
            rates[key]["verify"].append(verify)
            print(
                f"  rep {rep + 1} format {fmt}: {sized['file_per_event']:,.0f} B/event, "
                f"append {append:,.0f} commands/s, verify {verify:,.0f} entries/s",
                file=sys.stderr,
            )
    if not args.skip_county:
        for fmt in (FULL, COMPACT):
            with tempfile.TemporaryDirectory() as tmp:
                measured["county"][fmt] = county(fmt, args.objects, Path(tmp))
            print(f"  county format {fmt} built", file=sys.stderr)
    postgres: dict[int, dict[str, Any]] = {}
    if args.database_url:
        for fmt in (FULL, COMPACT):
            with tempfile.TemporaryDirectory() as tmp:
                postgres[fmt] = postgres_notes(fmt, args.notes, args.database_url, Path(tmp))
    medians = {f: {k: statistics.median(v) for k, v in r.items()} for f, r in rates.items()}
    print("| ledger | events | state B/event | file B/event | beyond state B/event | "
          "file / state | full bundle B/event (v1 of format 3 → v2 of format 4) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for name, by_format in measured.items():
        if by_format:
            print(row(name, by_format[FULL], by_format[COMPACT]))
    print()
    print("| notes ledger, SQLite | format 3 (full rows) | format 4 (compact rows) | ratio |")
    print("|---|---|---|---|")
    for what, unit in (("append", "commands/s"), ("verify", "entries/s")):
        a, b = medians[3][what], medians[4][what]
        print(f"| {what} ({unit}, median of {args.repeats}) | {a:,.0f} | {b:,.0f} | {b / a:.2f} |")
    print()
    print("| where the bytes go (notes, per event) | format 3 | format 4 |")
    print("|---|---|---|")
    full, compact = measured["notes"][FULL], measured["notes"][COMPACT]
    for name in sorted(full["tables_per_event"], key=lambda n: -full["tables_per_event"][n]):
        a, b = full["tables_per_event"][name], compact["tables_per_event"].get(name, 0.0)
        if a >= 1:
            print(f"| table/index {name} | {a:,.0f} | {b:,.0f} |")
    for col in CHAIN_COLUMNS:
        a, b = full["chain_columns_per_event"][col], compact["chain_columns_per_event"][col]
        print(f"| column ledger_chain.{col} | {a:,.0f} | {b:,.0f} |")
    if postgres:
        print()
        print("| notes ledger, PostgreSQL (tables with indexes) | format 3 | format 4 | ratio |")
        print("|---|---|---|---|")
        for key in ("total_per_event", "beyond_state_per_event"):
            a, b = postgres[FULL][key], postgres[COMPACT][key]
            print(f"| {key.replace('_', ' ')} (B) | {a:,.0f} | {b:,.0f} | {b / a:.2f} |")
        for name in sorted(postgres[FULL]["tables_per_event"]):
            a, b = (
                postgres[FULL]["tables_per_event"][name],
                postgres[COMPACT]["tables_per_event"].get(name, 0.0),
            )
            print(f"| table {name} (B) | {a:,.0f} | {b:,.0f} | {b / a:.2f} |")
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "storage.json").write_text(
        json.dumps(
            {"args": vars(args), "sizes": measured, "postgres": postgres, "rates": medians},
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
