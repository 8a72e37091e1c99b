"""Verify the ledger in its database: the verifier's rules over the stored rows.

Reads the chain (joined with the events) in pages, feeds it to
:func:`ledger.verifier.verify_rows`, and then looks for events that were stored
without a chain row -- something only a direct write to the table can produce.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ledger.application import Ledger
from ledger.verifier import UNCHAINED_EVENT, ChainRow, Failure, Report, verify_rows

PAGE = 5000


def iter_chain(ledger: Ledger, after: int = 0, page: int = PAGE) -> Iterator[ChainRow]:
    while True:
        rows = ledger.select_chain(after, page)
        yield from rows
        if len(rows) < page:
            return
        after = rows[-1].position


def verify_ledger(
    ledger: Ledger,
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    report = verify_rows(iter_chain(ledger), workers=workers, progress=progress)
    if report:
        unchained = ledger.chain.first_unchained_event(report.size)
        if unchained is not None:
            notification_id, before = unchained
            report.failure = Failure(
                before + 1,
                UNCHAINED_EVENT,
                f"stored event with notification id {notification_id} has no chain row",
            )
    return report
