"""Time: a command's signed ``created`` against entry order and witnessed checkpoints.

Issue 11, part 6. The operator holds the ledger key, so every ``created`` it records is
only as good as what someone else can hold it to. Two things can:

* **entry order** -- the log is append-only, so a command appended after another was
  signed after it. A command's ``created`` may lag the latest ``created`` before it by
  at most :data:`TOLERANCE` seconds (clients' clocks differ; the ledger accepts a
  command only within its freshness window, 300 s, of its own clock), never more;
* **witness cosignatures** -- a ``cosignature/v1`` line carries the time the witness
  signed (C2SP tlog-cosignature). Every entry a cosigned checkpoint of size S covers
  existed then: its ``created`` is at most the earliest cosignature time + TOLERANCE.
  A cosignature *recorded in the log* (``shuangsui.checkpoint.cosigned`` at position R)
  cannot have been recorded before the witness made it: the command recording it, and
  every command after it, was signed at the cosignature time - TOLERANCE or later.
  Backdating a command by 22 months after a witnessed checkpoint fails both ways.

  The lower bound is *not* taken from the checkpoint's size S: a witness may cosign an
  older checkpoint long after the log grew past it (one that was offline, a witness
  added to the policy later), and the commands between S and the cosignature were
  honestly signed before the witness signed. Only where the cosignature entered the
  log proves what came after it.

Both rules belong to ledger format 2 (the genesis' ``format``): a format-1 ledger
(``tests/vectors/format-v1/``) is verified as it was written. Only the standard
library: this is the auditor's package.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterable
from datetime import UTC, datetime

from ledger.audit.errors import NoteError
from ledger.audit.messages import _
from ledger.audit.notes import SIGNATURE_LINE_PREFIX, b64strict, parse_note
from ledger.audit.report import Failure

#: A ``cosignature/v1`` line's blob: an 8-byte big-endian timestamp, then the signature.
_COSIGNATURE_BLOB = 8 + 64

#: Seconds a command's ``created`` may lag the latest before it, or a witnessed time.
TOLERANCE = 900
#: The ledger format that introduced these rules.
SINCE_FORMAT = 2

TIME_OUT_OF_ORDER = _("time out of order")
TIME_BEFORE_WITNESS = _("time before witnessed checkpoint")
TIME_AFTER_WITNESS = _("time after witnessed checkpoint")


def iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _span(seconds: int) -> str:
    days, rest = divmod(abs(seconds), 86400)
    return f"{days} d {rest} s" if days else f"{rest} s"


class CommandTimes:
    """Each command's first position and ``created``, in entry order, with the entry
    order rule applied as they arrive (16 bytes a command)."""

    def __init__(self, tolerance: int = TOLERANCE) -> None:
        self.tolerance = tolerance
        self.positions = array("q")
        self.created = array("q")
        self.latest: int | None = None
        self.latest_position = 0
        #: The latest cosignature recorded in the log so far: (its time, the size it
        #: cosigned, the position recording it). Every later command is bounded by it.
        self.floor: tuple[int, int, int] | None = None
        self._bounds: array[int] | None = None

    def observe(self, position: int, created: int) -> Failure | None:
        """Record a command; a failure if it claims to be older than entry order allows,
        or older than a cosignature recorded before it."""
        floor = self.floor
        if floor is not None and created < floor[0] - self.tolerance:
            stamp, size, recorded = floor
            return Failure(
                position,
                TIME_BEFORE_WITNESS,
                _(
                    "created {created} is {span} before a witness cosigned size {size} at "
                    "{stamp}, recorded at position {recorded}",
                    created=iso(created),
                    span=_span(stamp - created),
                    size=size,
                    stamp=iso(stamp),
                    recorded=recorded,
                ),
            )
        if self.latest is not None and created < self.latest - self.tolerance:
            return Failure(
                position,
                TIME_OUT_OF_ORDER,
                _(
                    "created {created} is {span} before the command at position "
                    "{latest_position} ({latest}); tolerance {tolerance} s",
                    created=iso(created),
                    span=_span(self.latest - created),
                    latest_position=self.latest_position,
                    latest=iso(self.latest),
                    tolerance=self.tolerance,
                ),
            )
        if self.latest is None or created > self.latest:
            self.latest, self.latest_position = created, position
        self.positions.append(position)
        self.created.append(created)
        self._bounds = None
        return None

    def _prefix_max(self) -> array[int]:
        if self._bounds is None:
            high = array("q", self.created)
            for i in range(1, len(high)):
                high[i] = max(high[i - 1], high[i])
            self._bounds = high
        return self._bounds

    def witnessed(self, position: int, size: int, stamp: int) -> Failure | None:
        """A cosignature of ``size`` made at ``stamp`` is recorded at ``position``: the
        command recording it (the last one observed) was signed at ``stamp`` - tolerance
        or later, and so is every command after it (:meth:`observe`)."""
        if self.created and self.created[-1] < stamp - self.tolerance:
            return Failure(
                self.positions[-1],
                TIME_BEFORE_WITNESS,
                _(
                    "created {created} is {span} before the witness cosignature of size "
                    "{size} it records, made at {stamp}",
                    created=iso(self.created[-1]),
                    span=_span(stamp - self.created[-1]),
                    size=size,
                    stamp=iso(stamp),
                ),
            )
        if self.floor is None or stamp > self.floor[0]:
            self.floor = (stamp, size, position)
        return None

    def check_witnessed(self, size: int, timestamps: Iterable[int]) -> Failure | None:
        """The commands a checkpoint of ``size`` covers against the earliest time a
        witness cosigned it: they existed then (the bound after it comes from where
        the cosignature is recorded, :meth:`witnessed`)."""
        stamps = list(timestamps)
        if not stamps:
            return None
        first = min(stamps)
        cut = bisect_right(self.positions, size)
        high = self._prefix_max()
        if not (cut and high[cut - 1] > first + self.tolerance):
            return None
        for i in range(cut):
            if self.created[i] > first + self.tolerance:
                return Failure(
                    self.positions[i],
                    TIME_AFTER_WITNESS,
                    _(
                        "created {created}, after a witness cosigned size {size} at {stamp}",
                        created=iso(self.created[i]),
                        size=size,
                        stamp=iso(first),
                    ),
                )
        return None


def line_time(line: str) -> int | None:
    """The time in one ``cosignature/v1`` signature line (as a recorded cosignature
    holds it, already verified); None if the line carries none."""
    name, __, blob = line.strip().removeprefix(SIGNATURE_LINE_PREFIX).partition(" ")
    try:
        raw = b64strict(blob, _("signature"))
    except NoteError:
        return None
    if not name or len(raw) != 4 + _COSIGNATURE_BLOB:
        return None
    return int.from_bytes(raw[4:12], "big")


def cosignature_times(note_text: str, cosigners: Iterable[str]) -> list[int]:
    """The times in the cosignature lines of the (already verified) ``cosigners``."""
    names = set(cosigners)
    return [
        int.from_bytes(sig.blob[:8], "big")
        for sig in parse_note(note_text).signatures
        if sig.name in names and len(sig.blob) == _COSIGNATURE_BLOB
    ]


def check_checkpoint_times(
    checker_format: int, times: CommandTimes, size: int, note_text: str, cosigners: list[str]
) -> Failure | None:
    """The witnessed-time rule for one verified checkpoint (format 2 on)."""
    if checker_format < SINCE_FORMAT or not cosigners:
        return None
    return times.check_witnessed(size, cosignature_times(note_text, cosigners))
