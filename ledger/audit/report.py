"""What a verification reads and what it answers: rows as stored, failure reasons,
:class:`Failure` and :class:`Report`.

Invariants:

* :class:`StoredEventRow` and :class:`ChainRow` hold bytes exactly as stored; nothing
  is re-serialised before it is hashed or checked;
* the reasons below are stable strings (tests, the CLI and auditors match on them):
  each is a :class:`~ledger.audit.messages.Message`, its English as text and its
  Chinese when rendered, as is every failure's detail the verifier writes;
* a :class:`Report` is truthy exactly when it holds no failure, and a failure names
  the first position found wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledger.audit.hashing import ZERO_HASH
from ledger.audit.keystate import KeyState
from ledger.audit.messages import Message, _
from ledger.audit.witnessing import Quorum, Witnessing

# --- reasons --------------------------------------------------------------------

HASH_MISMATCH = _("hash mismatch")
BROKEN_LINK = _("broken link")
BAD_LEDGER_SIGNATURE = _("bad ledger signature")
BAD_ACTOR_SIGNATURE = _("bad actor signature")
KEY_NOT_VALID = _("key not valid at position")
MISSING_POSITION = _("missing position")
REPLAYED_NONCE = _("replayed nonce")
MISSING_EVENT = _("missing event")
UNCHAINED_EVENT = _("unchained event")
MALFORMED_ENTRY = _("malformed entry")
BAD_GENESIS = _("bad genesis")
BAD_KEY_EVENT = _("bad key event")
UNAUTHORISED_KEY_CHANGE = _("unauthorised key change")
BAD_PROOF = _("bad inclusion proof")
BAD_TREE = _("tree node mismatch")
BAD_CHECKPOINT = _("bad checkpoint")
BAD_WITNESS_EVENT = _("bad witness event")
MALFORMED_BUNDLE = _("malformed bundle")
# Complete slices (issue 11 part 4): the slice lacks what the checkpoint's state map
# proves the log held for its question.
INCOMPLETE_SLICE = _("incomplete slice")
# Replay verification (ledger.replay, issue 11.1): the events are not what the signed
# command produces, the actor may not cause them, or the log lacks some of them.
EVENTS_NOT_PRODUCED = _("events not produced by the command")
ACTOR_NOT_ALLOWED = _("actor not allowed")
MISSING_EVENTS = _("missing events")


# --- rows as stored ---------------------------------------------------------------


@dataclass(frozen=True)
class StoredEventRow:
    """A stored event exactly as the event table holds it."""

    stream: str
    version: int
    topic: str
    state: bytes


@dataclass(frozen=True)
class ChainRow:
    """A chain row exactly as stored, joined with its stored event (None if gone)."""

    position: int
    entry: bytes
    entry_hash: bytes
    command: bytes | None
    actor_key: str | None
    nonce: str | None
    signer: str | None
    signature: bytes | None
    event: StoredEventRow | None
    #: The stored event's notification id (its place in the event table's own order).
    notification_id: int = 0


# --- the outcome ------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    position: int
    reason: str
    detail: str

    @property
    def message(self) -> Message:
        """The failure as a person reads it: its English is ``str(failure)``."""
        return _(
            "position {position}: {reason} ({detail})",
            position=self.position,
            reason=self.reason,
            detail=self.detail,
        )

    def __str__(self) -> str:
        return str(self.message)


@dataclass(repr=False)
class Report:
    """The outcome of a verification. Truthy when the ledger is intact."""

    size: int = 0
    head: bytes = ZERO_HASH
    origin: str | None = None
    failure: Failure | None = None
    commands: int = 0
    signatures: int = 0
    keys: dict[str, KeyState] = field(default_factory=dict)
    #: Checkpoint sizes verified (bundles), and who cosigned each.
    checkpoints: dict[int, list[str]] = field(default_factory=dict)
    #: How many entries were read and checked (a slice or ``--since`` checks fewer
    #: than ``size``), and the position the check started after (a trusted size).
    entries: int = 0
    after: int = 0
    #: The witness events read (policies, recorded checkpoints, cosignatures).
    witnessing: Witnessing = field(default_factory=Witnessing)
    #: The format the genesis recorded (1 if it records none).
    ledger_format: int = 1
    #: The genesis' signed ``created`` (when the office started the ledger, by its word).
    started: int | None = None
    #: Which checkpoints have the witness quorum (set once the checkpoints are checked).
    quorum: Quorum | None = None
    #: A slice's proven completeness (issue 11 part 4): ``{"size", "streams": {id:
    #: last version}, "key_history": entries}``; None when nothing proves it (a slice of
    #: a ledger before format 3) or for a whole log.
    complete: dict[str, Any] | None = None
    #: A bundle's log key (the verifier key of the ledger key that signed its
    #: checkpoint), and what pinned it (``vkey``, ``trusted checkpoint N``): nothing
    #: means a look-alike log would verify the same.
    log_key: str | None = None
    anchors: list[str] = field(default_factory=list)
    #: What ``--since`` took the state before its checkpoint from, and what it could
    #: not check (said to the auditor).
    notes: list[str] = field(default_factory=list)
    #: The auditor state to save (``--save-state``): an
    #: :class:`~ledger.audit.auditstate.AuditorState`, or None.
    saved_state: Any = None

    def __bool__(self) -> bool:
        return self.failure is None

    def __repr__(self) -> str:
        return f"Report(size={self.size}, failure={self.failure})"

    def as_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "ok": self.failure is None,
            "size": self.size,
            "head": self.head.hex(),
            "origin": self.origin,
            "commands": self.commands,
            "signatures_checked": self.signatures,
            "keys": len(self.keys),
            "checkpoints": {str(k): v for k, v in self.checkpoints.items()},
            "failure": None
            if self.failure is None
            else {
                "position": self.failure.position,
                "reason": self.failure.reason,
                "detail": self.failure.detail,
            },
        }
        if self.complete is not None:
            document["complete"] = self.complete
        if self.log_key is not None:
            document["log_key"] = self.log_key
            document["anchored_by"] = self.anchors
        if self.quorum is not None and self.quorum.required:
            # Format 2 on (a format-1 ledger's report stays exactly as it was).
            document["format"] = self.ledger_format
            document["witnessing"] = self.quorum.as_dict()
        return document
