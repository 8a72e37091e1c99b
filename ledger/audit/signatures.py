"""Signatures on every core: the Ed25519 checks a :class:`ChainChecker` collected,
and :func:`verify_rows`, which walks the rows and farms the checks out.

Invariants: the chain walk stays in this process and in position order; batches of
signature jobs go to ``workers`` processes (spawned, never forked) or are checked
inline; whatever finishes first, the report names the failure at the *lowest*
position, structural or signature, so the answer does not depend on scheduling.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ledger.audit.chain import ACTOR, ChainChecker, SignatureJob
from ledger.audit.collector import young_collections_only
from ledger.audit.evidence import RouteTable
from ledger.audit.hashing import signature_ok
from ledger.audit.messages import _
from ledger.audit.report import BAD_ACTOR_SIGNATURE, BAD_LEDGER_SIGNATURE, ChainRow, Failure, Report


def check_signatures(jobs: Sequence[SignatureJob]) -> tuple[int, int] | None:
    """Verify jobs in order; return (position, kind) of the first bad one."""
    for position, kind, public_key, message, signature in jobs:
        if not signature_ok(public_key, message, signature):
            return position, kind
    return None


def _signature_failure(found: tuple[int, int]) -> Failure:
    position, kind = found
    if kind == ACTOR:
        return Failure(position, BAD_ACTOR_SIGNATURE, _("actor's signature does not verify"))
    return Failure(position, BAD_LEDGER_SIGNATURE, _("ledger signature does not verify"))


def verify_rows(
    rows: Iterable[ChainRow],
    *,
    routes: RouteTable | None = None,
    checker: ChainChecker | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    batch: int = 2048,
) -> Report:
    """Verify rows in position order and return a :class:`Report`.

    Give either ``routes`` (the HTTP route table evidence is read with: the rows
    start at position 1) or ``checker`` (a :class:`ChainChecker` to continue, built
    with its own route table), not both. ``workers`` processes verify signatures while
    this process walks the chain (default: one per core; 1 verifies inline).
    ``progress`` is called with the number of rows done since the last call.
    """
    if checker is None:
        if routes is None:
            raise TypeError("verify_rows needs the route table or a checker")
        checker = ChainChecker(routes)
    elif routes is not None:
        raise TypeError("verify_rows takes the route table or a checker, not both")
    workers = workers or os.cpu_count() or 1
    pool = None
    pending: list[Any] = []
    inline_failures: list[tuple[int, int]] = []
    structural: Failure | None = None
    size, head = checker.expected - 1, checker.prev
    after, entries = size, 0
    with young_collections_only():
        try:
            for row in rows:
                structural = checker.check(row)
                if structural is not None:
                    break
                size, head = row.position, row.entry_hash
                entries += 1
                if progress and size % 1000 == 0:
                    progress(1000)
                if len(checker.jobs) >= batch:
                    jobs, checker.jobs = checker.jobs, []
                    if workers > 1:
                        if pool is None:
                            pool = _make_pool(workers)
                        pending.append(pool.submit(check_signatures, jobs))
                    else:
                        found = check_signatures(jobs)
                        if found:
                            inline_failures.append(found)
                            break
            else:
                structural = checker.finish()
            jobs, checker.jobs = checker.jobs, []
            found = check_signatures(jobs)
            if found:
                inline_failures.append(found)
            results = [f.result() for f in pending]
            if progress:
                progress(size % 1000)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
    candidates = [_signature_failure(f) for f in inline_failures + [r for r in results if r]]
    if structural is not None:
        candidates.append(structural)
    failure = min(candidates, key=lambda f: f.position) if candidates else None
    return Report(
        size=size,
        head=head,
        origin=checker.origin,
        failure=failure,
        commands=checker.commands,
        signatures=checker.signatures,
        keys=checker.keys,
        entries=entries,
        after=after,
        witnessing=checker.witnessing,
        ledger_format=checker.format,
        started=checker.started,
    )


def _make_pool(workers: int) -> Any:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
