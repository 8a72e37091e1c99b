"""Which format a ledger was started under, and whether that start can be believed.

The genesis records the ledger format (``shuangsui.ledger.genesis``: ``format``); from
format 3 the office signs it too (the genesis command's ``format`` parameter). Each
later format adds rules an old ledger is not held to (``ledger/formats.py``), so an
operator who wanted to escape them could simply start a new ledger under an old
format. Two facts decide what an auditor makes of an old-format ledger:

* **when its genesis was signed** (the office's signed ``created``) against when the
  next format became the one new ledgers start under (:data:`FORMAT_SINCE`, the time
  its code was released): a genesis signed after that was not written by the code of
  its time -- it was started under old rules on purpose, or by code that should not
  run -- and ``verify`` exits 1 for it whatever the auditor accepts;
* **the auditor's own knowledge**: a genesis signed earlier may still be backdated
  (nothing before the genesis can bound its time, and format 1 has no time rules at
  all), so ``verify`` accepts an old-format ledger only when told so, naming the format
  (``--accept-format N``): the auditor who knows the county's ledger was started then
  says so, and sees which rules do not apply.

Only the standard library: this is the auditor's package.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ledger.audit.messages import Message, _

#: The newest format this verifier knows (``ledger.formats.CURRENT``; a test keeps
#: the two equal).
LATEST_FORMAT = 5
#: When each format became the one new ledgers start under: the release of its code
#: (Unix seconds, UTC). Format 1 was the first.
FORMAT_SINCE: dict[int, int] = {
    2: 1_795_805_212,  # 2026-11-27T18:46:52Z
    3: 1_795_817_483,  # 2026-11-27T22:11:23Z
    4: 1_795_828_320,  # 2026-11-28T01:12:00Z
    5: 1_795_928_400,  # 2026-11-29T05:00:00Z
}
#: From this format on, the genesis command signs the format it records.
SIGNED_FORMAT_SINCE = 3
#: What each format added, which a ledger of an older format is not held to.
FORMAT_RULES: dict[int, Message] = {
    2: _(
        "the rules against the operator (signed times in entry order and against "
        "witness cosignatures, the witness quorum, the draw nobody can steer, recusals "
        "declared or approved, unknown command parameters refused, ...)"
    ),
    3: _(
        "checkpoints committing to the state map, so a slice proves it is complete, "
        "and the genesis signing its format"
    ),
    4: _(
        "compact chain rows (the entry recomputed, evidence without what the row holds), "
        "a department's own stream in its trail index, a recusal request lapsing once its "
        "object is checked, plans carrying a ratio table, the class a draw uses lowered by "
        "the credit record, daily-supervision staff added to teams"
    ),
    5: _(
        "a body's supervision or evaluation citing the delegation it is of, an accountable "
        "settlement only where the analysis is open for the party (a problem at the entity "
        "after a check the party took part in), the joint item list naming the provincial "
        "list it follows"
    ),
}


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Standing:
    """A ledger's format and the signed time of its genesis, as the verifier judges them."""

    format: int
    started: int | None  # the genesis' signed created (None: no genesis read)
    latest: int = LATEST_FORMAT

    @property
    def old(self) -> bool:
        """Started under a format older than the newest this verifier knows."""
        return self.format < self.latest

    @property
    def superseded_by(self) -> int | None:
        """The newer format that already existed when the genesis was signed, if any."""
        if self.started is None:
            return None
        newer = [
            f for f, since in FORMAT_SINCE.items() if f > self.format and self.started >= since
        ]
        return min(newer) if newer else None

    def missing(self) -> list[str]:
        """The rules of the later formats, which this ledger is not held to."""
        return [
            _("format {format}: {rules}", format=f, rules=FORMAT_RULES[f])
            for f in sorted(FORMAT_RULES)
            if f > self.format
        ]

    def problem(self, accepted: int | None) -> str | None:
        """Why ``verify`` exits 1 for this start (None: it does not), given the format
        the auditor accepts (``--accept-format``)."""
        if not self.old:
            return None
        newer = self.superseded_by
        started: str = _iso(self.started) if self.started is not None else _("at an unknown time")
        if newer is not None:
            return _(
                "the genesis of this format-{format} ledger was signed at {started}, after "
                "format {newer} existed ({since}): it was started without the rules since "
                "then, which no flag accepts",
                format=self.format,
                started=started,
                newer=newer,
                since=_iso(FORMAT_SINCE[newer]),
            )
        if accepted != self.format:
            return _(
                "a format-{format} ledger (genesis signed {started}, before format {next} "
                "existed, by the office's own word): it is not held to the rules of later "
                "formats; accept it knowingly with --accept-format {format}",
                format=self.format,
                started=started,
                next=self.format + 1,
            )
        return None

    def as_dict(self, accepted: int | None = None) -> dict[str, Any]:
        return {
            "format": self.format,
            "latest": self.latest,
            "genesis_signed": _iso(self.started) if self.started is not None else None,
            "superseded_by": self.superseded_by,
            "accepted": self.old and self.problem(accepted) is None,
            "problem": self.problem(accepted),
            "not_held_to": self.missing(),
        }
