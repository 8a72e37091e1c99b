"""Append throughput: the chained, signed recorder against the plain library.

Same machine, same run, same event class, same backend; runs alternate (plain,
chained, plain, ...) and the median of the repeats is reported, with the ratio.

    python bench/append.py                 # SQLite + PostgreSQL, 3 repeats
    python bench/append.py --repeats 5 --skip-postgres

"chained" is ``Ledger.save`` with a signed authorisation per commit: the chain row,
the in-transaction key and nonce checks and the ledger signature -- the recorder's
whole cost. "command" adds what ``Ledger.execute`` does before saving (the actor's
signature checked, the key looked up): the cost of one signed command end to end.

On PostgreSQL with 4 writers, two more subjects (issue 15.1):

* "peer": what a user would pick instead of this ledger -- a plain PostgreSQL table
  with a hash column and an Ed25519 signature per row (SHA-256 of the row's state,
  signed), one row per transaction, 4 writer processes, no table lock, no chain;
* "threads": signed commands (``Ledger.execute``) from 4 threads of one process, whose
  concurrent commands group commit shares one transaction
  (:mod:`ledger.storage.sequencer`). The 4-process rows above it are not batched
  across processes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
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

from eventsourcing.application import Application  # noqa: E402

from ledger.areas.notes.events import Note  # noqa: E402
from ledger.authorisation import sign_command  # noqa: E402
from ledger.bootstrap import open_ledger  # noqa: E402
from ledger.config import Settings  # noqa: E402
from tests.support.world import start_world  # noqa: E402
from tests.vectors.testkeys import fixed_key  # noqa: E402

PG = "postgresql://postgres@127.0.0.1:5432/test"
TEXT = "抽查结果公示 / result published " * 4  # ~150 bytes of state, like a real event


def plain_env(kind: str, where: str) -> dict[str, str]:
    if kind == "sqlite":
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": where,
            "SQLITE_LOCK_TIMEOUT": "30",
        }
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": "test",
        "POSTGRES_HOST": "127.0.0.1",
        "POSTGRES_PORT": "5432",
        "POSTGRES_USER": "postgres",
        "POSTGRES_PASSWORD": "",
        "POSTGRES_SCHEMA": where,
        "POSTGRES_POOL_SIZE": "2",
        "POSTGRES_LOCK_TIMEOUT": "30",
        # The plain library races on CREATE TABLE when writers start together:
        # its tables are created once, before the writers start.
        "CREATE_TABLE": "n",
    }


def _drive(save: Any, events: int, per_commit: int, make_auth: Any) -> float:
    # Actors sign on their own machines: authorisations are made before the clock starts.
    auths = [make_auth() for _ in range(events // per_commit)] if make_auth else None
    start = time.perf_counter()
    for i in range(events // per_commit):
        notes = [Note(text=TEXT, author="bench") for _ in range(per_commit)]
        if auths is None:
            save(*notes)
        else:
            save(*notes, authorisation=auths[i])
    return events / (time.perf_counter() - start)


def plain_writer(kind: str, where: str, events: int, per_commit: int, go: Any, out: Any) -> None:
    app = Application(env=plain_env(kind, where))
    go.wait()
    out.put(_drive(app.save, events, per_commit, None))
    app.close()


def chained_writer(settings: Settings, events: int, per_commit: int, go: Any, out: Any) -> None:
    ledger = open_ledger(settings, signer=fixed_key("ledger"))
    department = fixed_key("department")
    make = lambda: sign_command(department, "note.append", {"text": TEXT})  # noqa: E731
    go.wait()
    out.put(_drive(ledger.save, events, per_commit, make))
    ledger.close()


def command_writer(settings: Settings, events: int, _per_commit: int, go: Any, out: Any) -> None:
    ledger = open_ledger(settings, signer=fixed_key("ledger"))
    department = fixed_key("department")
    auths = [sign_command(department, "note.append", {"text": TEXT}) for _ in range(events)]
    go.wait()
    start = time.perf_counter()
    for auth in auths:
        ledger.execute(auth)
    out.put(events / (time.perf_counter() - start))
    ledger.close()


PEER_TABLE = (
    "CREATE TABLE {schema}.peer_rows (id bigserial PRIMARY KEY, stream uuid NOT NULL, "
    "version integer NOT NULL, topic text NOT NULL, state bytea NOT NULL, "
    "hash bytea NOT NULL, signature bytea NOT NULL, UNIQUE (stream, version))"
)


def peer_writer(schema: str, events: int, _per_commit: int, go: Any, out: Any) -> None:
    """The peer: one signed, hashed row per transaction in a plain table."""
    key = fixed_key("ledger")
    insert = (
        f'INSERT INTO "{schema}".peer_rows (stream, version, topic, state, hash, signature) '
        "VALUES (%s, 1, 'note', %s, %s, %s)"
    )
    with psycopg.connect(PG) as conn:
        go.wait()
        start = time.perf_counter()
        for _ in range(events):
            state = json.dumps(
                {"text": TEXT, "author": "bench", "timestamp": time.time()}, ensure_ascii=False
            ).encode()
            digest = hashlib.sha256(state).digest()
            conn.execute(insert, (uuid.uuid4(), state, digest, key.sign(digest)), prepare=True)
            conn.commit()
        out.put(events / (time.perf_counter() - start))


def command_threads_writer(
    settings: Settings, events: int, threads: int, go: Any, out: Any
) -> None:
    """Signed commands from ``threads`` threads of one process (group commit)."""
    ledger = open_ledger(settings, signer=fixed_key("ledger"))
    department = fixed_key("department")
    per = events // threads
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

    workers = [threading.Thread(target=work, args=(mine,)) for mine in auths]
    go.wait()
    start = time.perf_counter()
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    elapsed = time.perf_counter() - start
    if failures:
        raise SystemExit(f"a command failed: {failures[0]!r}")
    sequencer = getattr(ledger.chain, "sequencer", None)  # absent before group commit
    if sequencer is not None:
        print(
            f"    threads: {sequencer.commands / max(sequencer.batches, 1):.2f} commands per batch",
            file=sys.stderr,
        )
    out.put(per * threads / elapsed)
    ledger.close()


def _parallel(target: Any, args: tuple[Any, ...], writers: int, total_events: int) -> float:
    """Run ``writers`` processes started together; total events/s over all of them."""
    ctx = multiprocessing.get_context("fork")
    go, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, go, out)) for _ in range(writers)]
    for p in procs:
        p.start()
    time.sleep(0.5)
    start = time.perf_counter()
    go.set()
    rates = [out.get(timeout=600) for _ in procs]
    elapsed = time.perf_counter() - start
    for p in procs:
        p.join()
        if p.exitcode:
            raise SystemExit(f"a {target.__name__} process failed")
    return total_events / elapsed if writers > 1 else rates[0]


def fresh_sqlite(tmp: Path, tag: str) -> tuple[str, Settings]:
    where = str(tmp / f"plain-{tag}.sqlite3")
    settings = Settings(home=tmp / f"chained-{tag}")
    start_world(settings).ledger.close()
    return where, settings


def fresh_pg(tag: str) -> tuple[str, Settings, list[str]]:
    plain_schema, chained_schema = f"bp_{tag}", f"bc_{tag}"
    settings = Settings(home=Path(tempfile.mkdtemp()), database_url=f"{PG}?schema={chained_schema}")
    start_world(settings).ledger.close()
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{plain_schema}"')
        conn.execute(PEER_TABLE.format(schema=f'"{plain_schema}"'))
    Application(env={**plain_env("postgres", plain_schema), "CREATE_TABLE": "y"}).close()
    return plain_schema, settings, [plain_schema, chained_schema]


def drop(schemas: list[str]) -> None:
    with psycopg.connect(PG, autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def measure(args: argparse.Namespace) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cases: list[tuple[str, int, int, int]] = []
    if not args.skip_sqlite:
        cases += [("sqlite", 1, 1, args.events), ("sqlite", 1, 100, args.events * 10)]
    if not args.skip_postgres:
        if not args.skip_single:
            cases.append(("postgres", 1, 1, args.events // 2))
        cases.append(("postgres", 4, 1, args.events // 2))
    for kind, writers, per_commit, events in cases:
        plain_rates, chained_rates, command_rates = [], [], []
        peer_rates: list[float] = []
        thread_rates: list[float] = []
        compare = kind == "postgres" and writers > 1
        for rep in range(args.repeats):
            tag = f"{uuid.uuid4().hex[:8]}"
            per_writer = events // writers
            with tempfile.TemporaryDirectory() as tmpdir:
                tmp = Path(tmpdir)
                if kind == "sqlite":
                    where, settings = fresh_sqlite(tmp, tag)
                    schemas: list[str] = []
                else:
                    where, settings, schemas = fresh_pg(tag)
                total = per_writer * writers
                try:
                    plain_rates.append(
                        _parallel(
                            plain_writer, (kind, where, per_writer, per_commit), writers, total
                        )
                    )
                    chained_rates.append(
                        _parallel(
                            chained_writer, (settings, per_writer, per_commit), writers, total
                        )
                    )
                    if per_commit == 1:
                        command_rates.append(
                            _parallel(
                                command_writer, (settings, per_writer, per_commit), writers, total
                            )
                        )
                    if compare:
                        peer_rates.append(
                            _parallel(peer_writer, (where, per_writer, per_commit), writers, total)
                        )
                        thread_rates.append(
                            _parallel(command_threads_writer, (settings, total, writers), 1, total)
                        )
                finally:
                    if schemas:
                        drop(schemas)
            print(
                f"  {kind} writers={writers} per_commit={per_commit} rep {rep + 1}: "
                f"plain {plain_rates[-1]:,.0f}/s chained {chained_rates[-1]:,.0f}/s"
                + (f" command {command_rates[-1]:,.0f}/s" if command_rates else "")
                + (
                    f" peer {peer_rates[-1]:,.0f}/s threads {thread_rates[-1]:,.0f}/s"
                    if compare
                    else ""
                ),
                file=sys.stderr,
            )
        plain, chained = statistics.median(plain_rates), statistics.median(chained_rates)
        rows.append(
            {
                "backend": kind,
                "writers": writers,
                "events_per_commit": per_commit,
                "events": events,
                "plain_per_s": round(plain),
                "chained_per_s": round(chained),
                "ratio": round(chained / plain, 2),
                "command_per_s": round(statistics.median(command_rates)) if command_rates else None,
                "peer_per_s": round(statistics.median(peer_rates)) if compare else None,
                "threads_command_per_s": (
                    round(statistics.median(thread_rates)) if compare else None
                ),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--events", type=int, default=3000, help="events per case (x10 for batches)"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--skip-single", action="store_true", help="PostgreSQL: only the 4-writer case"
    )
    args = parser.parse_args()
    rows = measure(args)
    print(
        "| backend | writers | events/commit | plain events/s | chained events/s | ratio "
        "| signed commands/s |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['backend']} | {r['writers']} | {r['events_per_commit']} | {r['plain_per_s']:,} "
            f"| {r['chained_per_s']:,} | {r['ratio']} | "
            f"{'' if r['command_per_s'] is None else format(r['command_per_s'], ',')} |"
        )
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    compared = [r for r in rows if r["peer_per_s"]]
    if compared:
        print()
        print(
            "| backend | writers | plain library/s | peer (hash + Ed25519 per row)/s "
            "| signed commands/s, 1 process x 4 threads (group commit) | vs peer | vs plain |"
        )
        print("|---|---|---|---|---|---|---|")
        for r in compared:
            t = r["threads_command_per_s"]
            print(
                f"| {r['backend']} | {r['writers']} | {r['plain_per_s']:,} | {r['peer_per_s']:,} "
                f"| {t:,} | {t / r['peer_per_s']:.2f} | {t / r['plain_per_s']:.2f} |"
            )
    (out / "append.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
