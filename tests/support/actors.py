"""The one way tests send a command: ``actors.run(who, action, on=day, **fields)``.

``who`` names an actor (``"office"``, ``"SCJGJ"``, ``"S1"``, ...) whose key the test world
holds, or is a :class:`~ledger.keys.SigningKey` itself (a key no one registered, a
successor after a rotation). The command is signed as a real client signs it and run by
``Ledger.execute``, through every check a real command meets.

``on`` dates the command: it is signed with ``created`` at that moment and executed with
``now=`` the same moment, so the freshness window accepts it and the ledger's "today" is
that day. A county can so organise late, publish across holidays or let a deadline pass
as it would over weeks of real time. A day (``"2026-09-22"`` or a ``date``) means 10:00
China time that day; a ``datetime`` or an ``int`` (a Unix time) is that very moment.

:class:`~tests.support.world.World` and :class:`~tests.support.county.County` are both
``Actors``: ``world.run("office", ...)`` and ``county.run("SCJGJ", ...)`` are this one method.

A command field that shares its name with a keyword of ``run`` (``result.follow_up`` has
a field ``on``) goes in the ``params`` mapping: ``run(who, action, {"on": day}, on=day)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
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
    return int(dt.datetime.fromisoformat(f"{day}T10:00:00+08:00").timestamp())


def rows_digest(rows: list[dict[str, Any]]) -> str:
    """The digest a bulk command signs over the rows it carries as an attachment."""
    return sha256(canonical_bytes(rows)).hex()


class Actors:
    """Names to keys on one ledger; subclasses say where the ledger and the keys are."""

    ledger: Ledger

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
        at = None if on is None else moment(on)
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
