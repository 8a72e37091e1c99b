"""Ledger format versions: which rules a ledger was started under.

The genesis records the format a ledger was started under (``Genesis.format``). A rule
added after a format was fixed applies only to ledgers of a format that includes it, so
an old ledger still replays and verifies under the rules it was written with
(``tests/vectors/format-v1/`` is a format-1 ledger that must keep verifying).

* Format 1 -- the ledger as it stood after the reorganisation by area.
* Format 2 -- adds the rules against the operator and the measures as the source reads
  them (time order, dependent dates, witnesses, the draw nobody can steer, joint-visit
  obligations, ...). Each such rule asks ``since(ctx.ledger, 2)``.
* Format 3 -- every checkpoint commits to the log's state map (each stream's last
  version and position, the key-history digest) in a ``shuangsui-state`` extension
  line, so a slice proves it is complete (:mod:`ledger.audit.statemap`, issue 11 part 4).
  And the genesis signs the format it records (``ledger.genesis``'s ``format``), which
  the auditor compares with the stored one; ``verify`` judges a ledger of an older
  format by when its genesis was signed (:mod:`ledger.audit.standing`). And every rule
  on commands added after format-2 ledgers existed: draws under ``shuangsui-draw-v3``
  with matching v2 (credit, checklists), recusals declared or approved, the item of a
  draw basis within its task, 谁检查谁录入 per item. Each asks ``since(ctx.ledger, 3)``:
  ``tests/vectors/format-v2/`` is a format-2 ledger written before format 3 that must
  keep replaying byte for byte.
* Format 4 -- the rules added after format-3 ledgers existed (from 2026-11-28): compact
  chain rows (:mod:`ledger.audit.rows`), a department's own stream in its trail index, a
  recusal request lapsing once its object is checked, a plan's ratio table, the class a
  draw uses lowered by the credit record, daily-supervision staff in teams. Each asks
  ``since(ctx.ledger, 4)``: ``tests/vectors/format-v3/`` is a format-3 ledger written
  before format 4 that must keep verifying and replaying byte for byte.
* Format 5 -- the rules added after format-4 ledgers existed (from 2026-11-29): a
  body's supervision or evaluation citing the delegation it is of (R8.2), an
  ``accountable`` settlement only where the 免责/问责 analysis is open for the party
  (R10.4: a procedural lapse alone is a defect, not a verdict), a version of the joint
  item list naming the Sichuan provincial list it follows (R3.5). Each asks
  ``since(ctx.ledger, 5)``: ``tests/vectors/format-v4/`` is a format-4 ledger written
  before format 5 that must keep verifying and replaying byte for byte.

A new rule on an existing command asks for the format that introduced it -- never an
older one: a ledger of that older format may already hold a command the new rule would
decide differently, and its replay would then fail.

A handler reads the format from the log (the genesis), never from this module's
``CURRENT``: replaying an old ledger with new code must apply the old rules.
"""

from __future__ import annotations

from typing import Any, Protocol

CURRENT = 5
"""The format a new ledger starts under (recorded in its genesis)."""


class _HasGenesis(Protocol):
    def genesis(self) -> Any | None: ...


def of(ledger: _HasGenesis) -> int:
    """The format the ledger was started under; before its genesis, the format the
    genesis is being written (or replayed) under (``starting_format``, else ``CURRENT``)."""
    genesis = ledger.genesis()
    if genesis is None:
        return int(getattr(ledger, "starting_format", CURRENT))
    return int(genesis.format)


def since(ledger: _HasGenesis, version: int) -> bool:
    """Whether the rules introduced by format ``version`` apply to this ledger."""
    return of(ledger) >= version
