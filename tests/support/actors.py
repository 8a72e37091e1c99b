"""The one way tests send a command: ``actors.run(who, action, on=day, **fields)``.

``who`` names an actor (``"office"``, ``"SCJGJ"``, ``"S1"``, ...) whose key the test world
holds, or is a :class:`~ledger.keys.SigningKey` itself (a key no one registered, a
successor after a rotation). The command is signed as a real client signs it and run by
``Ledger.execute``, through every check a real command meets.

``on`` dates the command: it is signed with ``created`` at that moment and executed with
``now=`` the same moment, so the freshness window accepts it and the ledger's "today" is
that day. A county can so organise late, publish across holidays or let a deadline pass
as it would over weeks of real time. A day (``"2026-09-22"`` or a ``date``) means 10:00
China time that day (today before 10:00: now); a ``datetime`` or an ``int`` (a Unix
time) is that very moment.

:class:`~tests.support.world.World` and :class:`~tests.support.county.County` are both
``Actors``: ``world.run("office", ...)`` and ``county.run("SCJGJ", ...)`` are this one method.

A command field that shares its name with a keyword of ``run`` (``result.follow_up`` has
a field ``on``) goes in the ``params`` mapping: ``run(who, action, {"on": day}, on=day)``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from ledger.application import Ledger, Recorded
from ledger.audit.hashing import sha256
from ledger.authorisation import sign_command
from ledger.canonical import canonical_bytes
from ledger.keys import SigningKey

#: When a command is dated: an ISO day or a date (10:00 China time that day), a datetime
#: or a Unix time (that very moment).
Day = str | dt.date | int


def moment(on: Day) -> int:
    """The Unix time a command dated ``on`` is signed and executed at."""
    if isinstance(on, int):
        return on
    if isinstance(on, dt.datetime):
        return int(on.timestamp())
    day = on if isinstance(on, str) else on.isoformat()
    at = int(dt.datetime.fromisoformat(f"{day}T10:00:00+08:00").timestamp())
    # Today: now -- not a moment still to come (before 10:00 China time), nor one long
    # past (after 10:15): a command dated today may follow or precede one signed now, and
    # the log's times only move forward (within 900 s).
    return int(time.time()) if day == _china_today() else at


def _china_today() -> str:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()


def rows_digest(rows: list[dict[str, Any]]) -> str:
    """The digest a bulk command signs over the rows it carries as an attachment."""
    return sha256(canonical_bytes(rows)).hex()


#: When fixtures set a world up (genesis, keys, lists, inspectors): early in the year, so a
#: test may date its commands on any later day. From ledger format 2 the log's signed
#: times only move forward (issue 11 part 6), so a world set up "now" could not be used
#: by a test dated in March.
SETUP_DAY = "2026-01-05"


class Actors:
    """Names to keys on one ledger; subclasses say where the ledger and the keys are."""

    ledger: Ledger
    #: The moment an undated command is signed at while a fixture sets up (see
    #: :meth:`dated`); ``None``: the real clock.
    undated_at: int | None = None
    #: ``True``: a test whose steps come in any order (a hypothesis sequence) signs each
    #: command at the latest moment used so far if its own is earlier, and undated ones
    #: then too, so the log's times still only move forward.
    monotone: bool = False

    @contextmanager
    def dated(self, on: Day = SETUP_DAY) -> Iterator[None]:
        """Sign undated commands at ``on`` inside the block (fixtures setting a world up)."""
        before, self.undated_at = self.undated_at, moment(on)
        try:
            yield
        finally:
            self.undated_at = before

    def key(self, who: str | SigningKey) -> SigningKey:
        """The key ``who`` signs with (a key given is its own)."""
        raise NotImplementedError

    def run(
        self,
        who: str | SigningKey,
        action: str,
        params: Mapping[str, Any] | None = None,
        /,
        *,
        on: Day | None = None,
        attachment: Any = None,
        **fields: Any,
    ) -> Recorded:
        """Sign ``action`` with the fields of ``params`` and ``fields`` as ``who``, and run it
        (dated ``on`` if given); return what the ledger recorded, or raise what it refused."""
        at = self.undated_at if on is None else moment(on)
        if self.monotone:
            at = max(at or 0, self.undated_at or 0) or None
            self.undated_at = at
        signed = sign_command(self.key(who), action, {**(params or {}), **fields}, created=at)
        return self.ledger.execute(signed, attachment=attachment, now=at)

    def rows(
        self,
        who: str | SigningKey,
        action: str,
        rows: list[dict[str, Any]],
        /,
        *,
        on: Day | None = None,
        **fields: Any,
    ) -> Recorded:
        """Run a bulk command: ``rows`` go as its attachment, their digest in its fields."""
        return self.run(
            who, action, on=on, attachment=rows, rows_digest=rows_digest(rows), **fields
        )

    def submitter(self, who: str | SigningKey) -> Callable[[str, Any, Any], dict[str, Any]]:
        """The ``submit`` an importer (``import_objects``) calls, each command run as ``who``."""

        def submit(action: str, params: Any, attachment: Any) -> dict[str, Any]:
            return self.run(who, action, params, attachment=attachment).as_dict()

        return submit
