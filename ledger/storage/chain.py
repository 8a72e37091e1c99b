"""Chain entries: the bytes that are hashed, linked and signed for each event.

Pure functions; the recorders call :func:`seal` inside the transaction that
stores the events, after reading the chain head under the write lock. The format
itself is defined (and checked) in :mod:`ledger.audit.chain`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from ledger.audit.chain import ENTRY_SIGNATURE_CONTEXT
from ledger.audit.hashing import leaf_hash, sha256
from ledger.audit.rows import ENTRY_FORMAT, compact_entry, compact_evidence, entry_text
from ledger.authorisation import Authorisation
from ledger.canonical import canonical_bytes
from ledger.errors import LedgerError
from ledger.i18n import _
from ledger.keys import SigningKey

#: The row formats a chain row is stored in (:mod:`ledger.audit.rows`): the entry and
#: evidence in full (every ledger of formats 1 to 3), or compact (format 4).
FULL_ROW, COMPACT_ROW = 1, 2


@dataclass(frozen=True)
class EventMeta:
    """What the chain records about an event besides its bytes, and the format its
    chain row is stored in (:data:`COMPACT_ROW` for a ledger of format 4)."""

    schema: int
    time: str
    row_format: int = FULL_ROW


@dataclass(frozen=True)
class ChainHead:
    position: int
    entry_hash: bytes


@dataclass(frozen=True)
class SealedRow:
    """One chain row, in the column order of the chain table. ``entry`` and ``command``
    are the entry and evidence bytes; a compact row (:mod:`ledger.audit.rows`) stores
    ``stored_entry`` and ``stored_command`` instead where it has them."""

    position: int
    notification_id: int
    entry: bytes
    entry_hash: bytes
    command: bytes | None
    actor_key: str | None
    nonce: str | None
    signer: str | None
    signature: bytes | None
    stored_entry: bytes | None = None
    stored_command: bytes | None = None

    def as_tuple(self) -> tuple[object, ...]:
        return (
            self.position,
            self.notification_id,
            self.stored_entry or self.entry,
            self.entry_hash,
            self.stored_command or self.command,
            self.actor_key,
            self.nonce,
            self.signer,
            self.signature,
        )


#: Text RFC 8785 writes as it is between quotes: printable ASCII but ``"`` and ``\\``.
_PLAIN = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*")
_SAFE_INT = 2**53 - 1


def _int_ok(*values: object) -> bool:
    return all(type(v) is int and -_SAFE_INT <= v <= _SAFE_INT for v in values)


def entry_bytes(
    *,
    position: int,
    prev: bytes,
    stream: UUID | str,
    version: int,
    topic: str,
    meta: EventMeta,
    state: bytes,
    command_digest: str,
    part: int,
    count: int,
) -> bytes:
    """The entry's RFC 8785 bytes. In the usual case -- plain ASCII texts, safe integers
    -- they are written directly in the canonical key order, as :func:`canonical_bytes`
    would write them (``tests/unit/test_chain_entry.py`` compares the two); anything
    else goes through :func:`canonical_bytes`."""
    text = str(stream)
    if (
        type(topic) is str
        and type(meta.time) is str
        and type(command_digest) is str
        and _PLAIN.fullmatch(topic)
        and _PLAIN.fullmatch(meta.time)
        and _PLAIN.fullmatch(command_digest)
        and _PLAIN.fullmatch(text)
        and _int_ok(position, version, part, count, meta.schema, ENTRY_FORMAT)
    ):
        return entry_text(
            command_digest=command_digest,
            event_digest=sha256(state).hex(),
            part=part,
            count=count,
            position=position,
            prev=prev.hex(),
            schema=meta.schema,
            stream=text,
            time=meta.time,
            topic=topic,
            version=version,
        )
    return canonical_bytes(
        {
            "command": command_digest,
            "event": sha256(state).hex(),
            "part": [part, count],
            "position": position,
            "prev": prev.hex(),
            "schema": meta.schema,
            "stream": text,
            "time": meta.time,
            "type": topic,
            "v": ENTRY_FORMAT,
            "version": version,
        }
    )


def seal(
    head: ChainHead,
    stored_events: Sequence[StoredEvent],
    notification_ids: Sequence[int],
    metas: Sequence[EventMeta],
    authorisation: Authorisation,
    signer: SigningKey,
) -> list[SealedRow]:
    """Chain rows for one command's events, linked to ``head``; the last is signed.

    Rows whose metadata asks for :data:`COMPACT_ROW` (ledger format 4) store the
    compact forms of their entry and evidence (:mod:`ledger.audit.rows`) where they
    expand to the same bytes; the entries, their hashes and the signatures are the
    same either way."""
    count = len(stored_events)
    if not (count == len(notification_ids) == len(metas)) or count == 0:
        raise LedgerError(_("internal: events, ids and metadata do not line up"))
    compact = metas[0].row_format == COMPACT_ROW
    rows: list[SealedRow] = []
    prev = head.entry_hash
    digest = authorisation.digest
    evidence = authorisation.evidence
    stored_command = (
        compact_evidence(evidence, authorisation.key_id, authorisation.nonce) if compact else None
    )
    for part, (stored, notification_id, meta) in enumerate(
        zip(stored_events, notification_ids, metas, strict=True)
    ):
        position = head.position + part + 1
        entry = entry_bytes(
            position=position,
            prev=prev,
            stream=stored.originator_id,
            version=stored.originator_version,
            topic=stored.topic,
            meta=meta,
            state=stored.state,
            command_digest=digest,
            part=part,
            count=count,
        )
        entry_hash = leaf_hash(entry)
        first, last = part == 0, part == count - 1
        stored_entry = (
            compact_entry(
                entry,
                schema=meta.schema,
                part=part,
                count=count,
                time=meta.time,
                position=position,
                prev=prev,
                stream=str(stored.originator_id),
                version=stored.originator_version,
                topic=stored.topic,
                state=stored.state,
                command_digest=digest,
            )
            if compact
            else None
        )
        rows.append(
            SealedRow(
                position=position,
                notification_id=notification_id,
                entry=entry,
                entry_hash=entry_hash,
                command=evidence if first else None,
                actor_key=authorisation.key_id if first else None,
                nonce=authorisation.nonce if first else None,
                signer=signer.key_id if last else None,
                signature=signer.sign(ENTRY_SIGNATURE_CONTEXT + entry_hash) if last else None,
                stored_entry=stored_entry,
                stored_command=stored_command if first else None,
            )
        )
        prev = entry_hash
    return rows
