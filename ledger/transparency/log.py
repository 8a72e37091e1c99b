"""The ledger as a transparency log: checkpoints, proofs, cosignatures, bundles.

* A **checkpoint** is a C2SP ``tlog-checkpoint`` signed note (origin, size, base64
  RFC 9162 root), signed by the ledger key under the origin's name. One per size,
  ever (the table's key refuses a second); written on demand and every N entries or
  T seconds of activity (:meth:`Transparency.after_append`).
* **Proofs** come in the C2SP formats: ``tlog-proof`` for inclusion, and the
  ``old N`` + base64 lines of a ``tlog-witness`` request for consistency.
* **Cosignatures** (``cosignature/v1``) from witnesses registered in the ledger are
  verified before they are attached to the stored checkpoint.
* **Bundles** (JSON lines, verified by :func:`ledger.audit.bundles.verify_bundle`): the whole
  ledger, or a slice that answers one question with inclusion proofs to one checkpoint.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger import formats
from ledger.audit.bundles import BUNDLE_FORMAT, bundle_entry, compact_line
from ledger.audit.chain import ChainChecker
from ledger.audit.collector import paused_gc
from ledger.audit.errors import NoteError
from ledger.audit.hashing import sha256, verify_consistency
from ledger.audit.notes import (
    NOTE_COSIGNATURE,
    Checkpoint,
    NoteSignature,
    NoteVerifier,
    b64,
    parse_checkpoint,
    parse_note,
    verify_note,
)
from ledger.audit.receipts import RECEIPT_FORMAT, receipt_message
from ledger.audit.report import ChainRow
from ledger.audit.statemap import (
    HISTORY_TOPICS,
    KEYS_KEY,
    STATE_FORMAT,
    StateMap,
    state_line,
    state_root_of,
    stream_key,
)
from ledger.audit.subjects import SUBJECT_KINDS, subject_key
from ledger.audit.witnessing import RECORD_TOPICS
from ledger.errors import ConflictError, LedgerError, NotFoundError, ValidationError
from ledger.i18n import _, os_reason
from ledger.ids import checkpoint_record_id, draw_id, inspection_id, witness_policy_id
from ledger.storage import merkle
from ledger.storage.statemaps import PAGE_BYTES, StoredStateMap

if TYPE_CHECKING:
    from ledger.application import Ledger

TLOG_PROOF_HEADER = "c2sp.org/tlog-proof@v1"
PAGE = 5000


def _now() -> str:
    return datetime.now(UTC).isoformat()


class Transparency:
    """Checkpoints, proofs and bundles for one open :class:`~ledger.application.Ledger`."""

    def __init__(self, ledger: Ledger, *, every: int = 1000, interval: float = 300.0) -> None:
        self.ledger = ledger
        self.chain = ledger.chain
        self.every = every
        self.interval = interval
        self._last: tuple[int, float] | None = None
        #: (size, root) of the latest checkpoint this process knows (receipts name it).
        self._signed: tuple[int, bytes] | None = None
        #: The state map at the largest size this process has built it for; grown and
        #: read under ``_state_lock`` (API threads make checkpoints concurrently).
        self._state: StateMap | None = None
        self._state_lock = threading.RLock()
        #: The writer's stored copy of the map (a new process grows it from there).
        self._stored = StoredStateMap(self.chain)

    # -- identity --------------------------------------------------------------------------
    @property
    def origin(self) -> str:
        return str(self._genesis().origin)

    def _genesis(self) -> Any:
        genesis = self.ledger.genesis()
        if genesis is None:
            raise NotFoundError(_("the ledger has no genesis yet"))
        return genesis

    def log_verifier(self) -> NoteVerifier:
        """The verifier key witnesses and auditors configure for this log."""
        signer = self.ledger.signer
        if signer is not None:
            return NoteVerifier(self.origin, signer.public_key)
        current = [k for k in self.ledger.keys_with_role("ledger") if k.active]
        if not current:
            raise NotFoundError(_("the ledger has no active ledger key"))
        return NoteVerifier(self.origin, current[0].public_key_bytes)

    # -- roots and proofs -----------------------------------------------------------------------
    def size(self) -> int:
        return int(self.ledger.head().position)

    def _size_in_range(self, size: int) -> None:
        head = self.size()
        if not 0 <= size <= head:
            raise ValidationError(
                _(
                    "the ledger has {head} entries; size {size} is out of range",
                    head=head,
                    size=size,
                )
            )

    def command_span(self, position: int) -> tuple[int, int]:
        """(first, last) position of the command whose entries hold ``position``."""
        found = self.chain.select_positions([position])
        if not found:
            raise NotFoundError(_("no entry at position {position}", position=position))
        part, count = json.loads(found[0].entry)["part"]
        return position - part, position - part + count - 1

    def require_command_boundary(self, size: int) -> None:
        """Refuse a tree size that ends inside one command's entries."""
        if size <= 0:
            return
        first, last = self.command_span(size)
        if last != size:
            raise ValidationError(
                _(
                    "size {size} falls inside one command's entries (positions "
                    "{first}-{last}); a checkpoint covers whole commands: use {before} or "
                    "{last}",
                    size=size,
                    first=first,
                    last=last,
                    before=first - 1,
                ),
                {"size": [_("inside positions {first}-{last}", first=first, last=last)]},
            )

    def root(self, size: int) -> bytes:
        self._size_in_range(size)
        return merkle.root(size, self.chain)

    def inclusion_proof(self, position: int, size: int) -> list[bytes]:
        self._size_in_range(size)
        if not 1 <= position <= size:
            raise ValidationError(
                _(
                    "position {position} is not in a tree of size {size}",
                    position=position,
                    size=size,
                )
            )
        return merkle.inclusion_proof(position - 1, size, self.chain)

    def consistency_proof(self, old: int, new: int) -> list[bytes]:
        self._size_in_range(new)
        if not 0 <= old <= new:
            raise ValidationError(_("old size {old} must be between 0 and {new}", old=old, new=new))
        return merkle.consistency_proof(old, new, self.chain)

    def consistency_text(self, old: int, new: int) -> str:
        """``old N`` and the proof hashes, one base64 per line (a tlog-witness request's
        first part; append a blank line and the checkpoint to make the request)."""
        return f"old {old}\n" + "".join(b64(h) + "\n" for h in self.consistency_proof(old, new))

    # -- checkpoints ------------------------------------------------------------------------------
    def checkpoint(self, size: int | None = None) -> str:
        """The signed checkpoint of ``size`` (default: the head), with its cosignatures;
        made and stored if there is none yet. A size inside one command's entries is
        refused: a checkpoint covers whole commands (what ``verify --since`` reads)."""
        size = self.size() if size is None else size
        stored = self.chain.checkpoint_note(size)
        if stored is None:
            self._size_in_range(size)
            self.require_command_boundary(size)
            signer = self.ledger.signer
            if signer is None:
                raise LedgerError(_("making a checkpoint needs the ledger key"))
            extensions: tuple[str, ...] = ()
            if formats.since(self.ledger, STATE_FORMAT):
                extensions = (state_line(self.state_root(size)),)
            body = Checkpoint(self.origin, size, self.root(size), extensions).text
            verifier = NoteVerifier(self.origin, signer.public_key)
            signature = NoteSignature(self.origin, verifier.key_id, signer.sign(body.encode()))
            note = body + "\n" + signature.line
            self.chain.insert_checkpoint(size, self.root(size), note, _now())
            self._last = (size, time.monotonic())
            if self._signed is None or size > self._signed[0]:
                self._signed = (size, self.root(size))
        return self.note(size)

    def state_root(self, size: int) -> bytes:
        """The root of the state map of the first ``size`` entries, read while no other
        thread can grow the map past ``size``."""
        with self._state_lock:
            return self.state_map(size).root()

    def state_map(self, size: int) -> StateMap:
        """The state map of the first ``size`` entries (:mod:`ledger.audit.statemap`),
        grown from the one this process built last when it can be. The map is shared:
        hold ``_state_lock`` while using it (:meth:`state_root`).

        The cyclic garbage collector is paused while the map grows
        (:func:`ledger.audit.collector.paused_gc`): its leaves, links and the entries' subjects
        hold no cycles, and a first build over a long log makes millions of them, which
        every full collection would scan again (on a 10M-entry log most of the build)."""
        with self._state_lock, paused_gc():
            return self._grown_state_map(size)

    def _grown_state_map(self, size: int) -> StateMap:
        self._size_in_range(size)
        if self.ledger.signer is not None:
            # The writer grows its stored copy: the entries since it, not the whole log.
            stored = self._stored.at(size, formats.of(self.ledger))
            if stored is not None:
                return stored
        cached = self._state
        if cached is None or cached.size > size:
            cached = StateMap(lists=True)
        while cached.size < size:
            rows = self.chain.select_entry_meta(cached.size, size, PAGE, PAGE_BYTES)
            if not rows:
                raise LedgerError(_("internal: entries up to {size} are not readable", size=size))
            for position, entry_hash, stream, version, topic, state in rows:
                if position != cached.size + 1:
                    raise LedgerError(_("internal: entry {size} is missing", size=cached.size + 1))
                cached.observe(position, stream, version, topic, entry_hash, state)
        self._state = cached
        return cached

    def witnessed_covering(self, position: int) -> str | None:
        """The newest stored checkpoint of a size >= ``position`` whose cosignatures reach
        the quorum of the office's witness policy (with them attached); None if none."""
        policy = self.ledger.find(witness_policy_id())
        if policy is None:
            return None
        members = set(policy.witnesses)
        verifiers = {
            (v.name, v.key_id): key_id for v, key_id in self._witness_keys() if key_id in members
        }
        for size in reversed(self.chain.checkpoint_sizes()):
            if size < position:
                return None
            if not self.chain.cosignature_lines(size):
                continue
            note = self.note(size)
            signed = {verifiers.get((s.name, s.key_id)) for s in parse_note(note).signatures}
            if len(signed - {None}) >= policy.quorum:
                return note
        return None

    def note(self, size: int | None = None) -> str:
        """A stored checkpoint note with every cosignature attached."""
        stored = self.chain.checkpoint_note(size)
        if stored is None:
            raise NotFoundError(
                _("no checkpoint yet; run 'shuangsui checkpoint'")
                if size is None
                else _("no checkpoint for size {size}", size=size)
            )
        found_size, note = stored
        return note + "".join(self.chain.cosignature_lines(found_size))

    def latest(self) -> str:
        """The latest stored checkpoint note; the head's is made if there is none yet."""
        try:
            return self.note()
        except NotFoundError:
            return self.checkpoint()

    def published_head(self) -> str:
        """The checkpoint to publish the log at: the latest stored one when all that
        follows it only records checkpoints and cosignatures (so its witnesses'
        cosignatures still speak for the whole log), else a new one of the head."""
        latest = self.chain.checkpoint_note()
        head = self.size()
        if latest is not None and latest[0] < head:
            records = set(self.chain.positions_of_topics(RECORD_TOPICS))
            if all(p in records for p in range(latest[0] + 1, head + 1)):
                return self.note(latest[0])
        return self.checkpoint()

    def after_append(self, position: int) -> None:
        """Write a checkpoint every ``every`` entries, or after ``interval`` seconds
        of activity since the last one."""
        if self.ledger.signer is None or self.every <= 0:
            return
        if self._last is None:
            latest = self.chain.checkpoint_note()
            self._last = (latest[0] if latest else 0, time.monotonic())
        size, at = self._last
        if position - size >= self.every or (
            position > size and time.monotonic() - at >= self.interval
        ):
            self.checkpoint(position)

    # -- receipts -------------------------------------------------------------------------------
    def latest_signed(self) -> tuple[int, bytes]:
        """(size, root) of the latest checkpoint; (0, the empty root) before the first."""
        if self._signed is None:
            stored = self.chain.checkpoint_note()
            if stored is None:
                return 0, sha256(b"")
            self._signed = (stored[0], parse_checkpoint(parse_note(stored[1]).text).root)
        return self._signed

    def receipt(
        self, action: str, command_digest: str, positions: list[int], hashes: list[bytes]
    ) -> dict[str, Any] | None:
        """The signed receipt for a command that landed at ``positions`` with entry
        ``hashes`` (:mod:`ledger.audit.receipts`); None without the ledger key."""
        signer = self.ledger.signer
        if signer is None or not positions or len(positions) != len(hashes):
            return None
        size, root = self.latest_signed()
        body = {
            "format": RECEIPT_FORMAT,
            "origin": self.origin,
            "action": action,
            "command": command_digest,
            "entries": [
                {"position": p, "hash": b64(h)} for p, h in zip(positions, hashes, strict=True)
            ],
            "checkpoint": {"size": size, "root": b64(root)},
            "key": signer.key_id,
        }
        return {**body, "signature": b64(signer.sign(receipt_message(body)))}

    def attach_cosignatures(self, cosigned: str) -> list[str]:
        """Attach the cosignatures in a cosigned checkpoint note; return the new lines.

        The note's text must be exactly a stored checkpoint's; each cosignature must
        come from a registered witness key and verify. Cosignatures not yet in the log
        are also recorded there (``checkpoint.cosign``, signed by the ledger key), with
        the checkpoint itself: the record an auditor counts the quorum from.
        """
        try:
            note = parse_note(cosigned)
            checkpoint = parse_checkpoint(note.text)
        except NoteError as exc:
            raise ValidationError(_("not a cosigned checkpoint: {exc}", exc=exc)) from exc
        stored = self.chain.checkpoint_note(checkpoint.size)
        if stored is None or not stored[1].startswith(note.text + "\n"):
            raise NotFoundError(
                _("no stored checkpoint of size {size} with that text", size=checkpoint.size)
            )
        witnesses = {(v.name, v.key_id): (v, key_id) for v, key_id in self._witness_keys()}
        added = []
        in_log = self.ledger.find(checkpoint_record_id(checkpoint.size))
        recorded = set(in_log.cosignatures) if in_log is not None else set()
        unrecorded = False
        for sig in note.signatures:
            if sig.name == checkpoint.origin:
                continue  # the log's own signature
            found = witnesses.get((sig.name, sig.key_id))
            if found is None:
                raise ValidationError(
                    _("cosignature from {name}: not a registered witness key", name=sig.name)
                )
            verifier, key_id = found
            try:
                verify_note(parse_note(note.text + "\n" + sig.line), [verifier])
            except NoteError as exc:
                raise ValidationError(
                    _("cosignature from {name}: {exc}", name=sig.name, exc=exc)
                ) from exc
            unrecorded = unrecorded or key_id not in recorded
            if self.chain.add_cosignature(checkpoint.size, sig.name, sig.key_id, sig.line, _now()):
                added.append(sig.line)
        if unrecorded and self.ledger.signer is not None:
            log_line = parse_note(stored[1]).signatures[0].line
            whole = (
                note.text
                + "\n"
                + log_line
                + "".join(s.line for s in note.signatures if s.name != checkpoint.origin)
            )
            self.ledger.execute_as_ledger("checkpoint.cosign", {"note": whole})
        return added

    def _witness_keys(self) -> list[tuple[NoteVerifier, str]]:
        """(cosigning verifier, key id) of every active registered witness key."""
        return [
            (NoteVerifier(k.note_name, k.public_key_bytes, NOTE_COSIGNATURE), k.key_id)
            for k in self.ledger.keys_with_role("witness")
            if k.active and k.note_name
        ]

    # -- tlog-proof ----------------------------------------------------------------------------
    def prove(self, position: int, checkpoint_note: str | None = None) -> str:
        """A C2SP tlog-proof for ``position``: against a checkpoint the caller holds
        (checked against this ledger first), or the smallest stored one covering it."""
        if checkpoint_note is not None:
            checkpoint = self.check_foreign(checkpoint_note)
            note = checkpoint_note
        else:
            covering = self.chain.checkpoint_covering(position)
            note = self.note(covering[0]) if covering else self.checkpoint()
            checkpoint = parse_checkpoint(parse_note(note).text)
        proof = self.inclusion_proof(position, checkpoint.size)
        lines = [TLOG_PROOF_HEADER, f"index {position - 1}", *(b64(h) for h in proof)]
        return "\n".join(lines) + "\n\n" + note

    def check_foreign(self, note_text: str) -> Checkpoint:
        """A checkpoint someone holds: signed by this log, and its root is ours."""
        try:
            verifier = self.log_verifier()
            note = parse_note(note_text)
            verify_note(note, [verifier])
            checkpoint = parse_checkpoint(note.text)
        except NoteError as exc:
            raise ValidationError(_("not a checkpoint of this ledger: {exc}", exc=exc)) from exc
        if checkpoint.size > self.size():
            raise ConflictError(
                _(
                    "the checkpoint has {size} entries but this ledger only {head}: the "
                    "log was truncated",
                    size=checkpoint.size,
                    head=self.size(),
                )
            )
        if self.root(checkpoint.size) != checkpoint.root:
            raise ConflictError(
                _(
                    "the root of the first {size} entries is not the checkpoint's: the log "
                    "was rewritten",
                    size=checkpoint.size,
                )
            )
        return checkpoint

    def extends(self, note_text: str) -> tuple[Checkpoint, int]:
        """Prove the current log extends a trusted checkpoint: (checkpoint, new size)."""
        checkpoint = self.check_foreign(note_text)
        new = self.size()
        proof = self.consistency_proof(checkpoint.size, new)
        if not verify_consistency(checkpoint.size, new, proof, checkpoint.root, self.root(new)):
            raise ConflictError(_("the consistency proof does not verify: the log was rewritten"))
        return checkpoint, new

    # -- bundles ---------------------------------------------------------------------------------
    def export(
        self,
        out: Path,
        *,
        stream: UUID | None = None,
        positions: Iterable[int] | None = None,
        query: dict[str, Any] | None = None,
        progress: Callable[[int], None] | None = None,
        consistency_from: Iterable[int] = (),
    ) -> dict[str, Any]:
        """Write a bundle to ``out`` atomically: the whole ledger, or a slice.

        A slice holds the entries at ``positions`` (or of ``stream``), each with its
        inclusion proof to one checkpoint, plus the genesis and key-history entries its
        signatures need; every command is included whole. Its checkpoint is the newest
        one the witness policy's quorum cosigned that covers every position asked for
        (its cosignatures travel with it), else the published head. ``consistency_from``:
        sizes (an auditor's trusted checkpoints) to carry an RFC 9162 consistency proof
        from, or to, the slice's checkpoint, so such a checkpoint anchors the slice.
        """
        if stream is not None:
            positions = self.chain.positions_of_stream(stream)
            query = {"stream": str(stream)}
            if not positions:
                raise NotFoundError(_("no events in stream {stream}", stream=stream))
        slice_ = positions is not None
        note = None
        if positions is not None:
            positions = set(positions)
            note = self.witnessed_covering(max(positions, default=1))
        if note is None:
            note = self.published_head()
        checkpoint = parse_checkpoint(parse_note(note).text)
        size = checkpoint.size
        joined = sorted(set(consistency_from))
        if joined and not slice_:
            raise ValidationError(
                _("a full export holds every entry: consistency proofs are for slices")
            )
        for other in joined:
            if not 1 <= other <= self.size():
                raise ValidationError(
                    _(
                        "no tree of size {other} to prove consistency from (the log has "
                        "{size} entries)",
                        other=other,
                        size=self.size(),
                    )
                )
        subject = _subject_of(query)
        if slice_ and subject is not None and formats.since(self.ledger, STATE_FORMAT):
            # A trail holds every stream that names its subject (the state map's index).
            assert positions is not None
            positions = set(positions)
            with self._state_lock:
                state = self.state_map(size)
                key = subject_key(*subject)
                if state.lists is not None:
                    named = list(state.lists.get(key, []))
                else:  # the stored copy: its trail index up to ``size``
                    named = self.chain.state_subject_streams(key, size)
            for named_stream in named:
                positions.update(self.chain.positions_of_stream(UUID(named_stream)))
        temp = out.with_name(f".{out.name}.partial")
        checker = ChainChecker(self.ledger.routes, sparse=slice_)
        count = 0
        last: ChainRow | None = None
        try:
            with open(temp, "w", encoding="utf-8") as handle:

                def write(record: dict[str, Any]) -> None:
                    handle.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
                    handle.write("\n")

                rows: Iterator[ChainRow]
                if slice_:
                    assert positions is not None
                    rows = self.slice_rows(set(positions), size)
                    notes = [note]
                else:
                    rows = self._all_rows(size)
                    notes = [self.note(s) for s in self.chain.checkpoint_sizes() if s <= size]
                head = self.chain.select_positions([size])[0].entry_hash if size else b""
                header: dict[str, Any] = {
                    "t": "header",
                    "format": BUNDLE_FORMAT,
                    "kind": "slice" if slice_ else "full",
                    "origin": checkpoint.origin,
                    "size": size,
                    "head": b64(head),
                }
                if slice_:
                    header["query"] = query or {}
                for text in notes:
                    write({"t": "checkpoint", "note": text})
                streams: set[str] = set()
                for row in rows:
                    failure = checker.check(row)
                    checker.jobs.clear()
                    if failure is not None:
                        raise LedgerError(
                            _("refusing to export a damaged ledger: {failure}", failure=failure)
                        )
                    proof = self.inclusion_proof(row.position, size) if slice_ else None
                    # A slice keeps its entries whole: an entry taken out of it is then
                    # named as missing, not as the next line's entry unreadable.
                    write(compact_line(bundle_entry(row, proof), row, None if slice_ else last))
                    if row.event is not None:
                        streams.add(row.event.stream)
                    count += 1
                    last = row
                    if progress:
                        progress(1)
                assert last is not None
                write(
                    {"t": "keys", "keys": [k.summary() for __, k in sorted(checker.keys.items())]}
                )
                if slice_ and checker.format >= STATE_FORMAT:
                    extra = [subject_key(*subject)] if subject is not None else []
                    extra += self._draw_check_keys(query)
                    write({"t": "state", "proofs": self.state_proofs(checkpoint, streams, extra)})
                if slice_ and any(other != size for other in joined):
                    write({"t": "consistency", "proofs": self._joins(size, joined)})
                write({"t": "end", "entries": count, "head": b64(last.entry_hash)})
                header["head"] = b64(last.entry_hash)
                handle.flush()
                os.fsync(handle.fileno())
            # The header goes first; it is written last, once the head is known.
            self._prepend(temp, header)
            os.replace(temp, out)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return {"entries": count, "size": size, "kind": header["kind"], "out": str(out)}

    def _draw_check_keys(self, query: dict[str, Any] | None) -> list[str]:
        """A draw slice's state keys for the inspection under the draw of every object
        with a recusal request or recusal: the slice holds that stream, or its state
        proof shows the log holds none, so verify-draw can tell whether an office
        decision came after the object's check (a lapsed request, R7.4)."""
        ref = (query or {}).get("draw")
        if not isinstance(ref, str) or "/" not in ref:
            return []
        task, number = ref.rsplit("/", 1)
        drawn = self.ledger.find(draw_id(task, int(number))) if number.isdigit() else None
        if drawn is None:
            return []
        objects = {r["object"] for r in [*drawn.recusal_requests, *drawn.recusals]}
        return [stream_key(str(inspection_id("draw", ref, o))) for o in sorted(objects)]

    def _joins(self, size: int, others: Iterable[int]) -> list[dict[str, Any]]:
        """RFC 9162 consistency proofs between ``size`` and each other size, smaller first."""
        proofs = []
        for other in others:
            if other == size:
                continue
            old, new = min(size, other), max(size, other)
            hashes = [b64(h) for h in self.consistency_proof(old, new)]
            proofs.append({"old": old, "new": new, "proof": hashes})
        return proofs

    def state_proofs(
        self, checkpoint: Checkpoint, streams: Iterable[str], extra: Iterable[str] = ()
    ) -> list[dict[str, Any]]:
        """The state map's bucket proofs for the key history and ``streams`` at the
        checkpoint's size (:mod:`ledger.audit.statemap`)."""
        with self._state_lock:
            state = self.state_map(checkpoint.size)
            if state_root_of(checkpoint) != state.root():
                raise LedgerError(
                    _(
                        "the checkpoint of size {size} does not carry the state root its entries "
                        "give; refusing to export proofs against it",
                        size=checkpoint.size,
                    )
                )
            keys = [KEYS_KEY, *(stream_key(s) for s in streams), *extra]
            if state.lists is None:  # the stored copy: load what the proofs show
                state = self._stored.prepared(state, keys)
            return [proof.as_dict() for proof in state.prove(keys)]

    @staticmethod
    def _prepend(path: Path, header: dict[str, Any]) -> None:
        body = path.read_bytes()
        with open(path, "wb") as handle:
            handle.write(json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode())
            handle.write(b"\n")
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())

    def _all_rows(self, size: int) -> Iterator[ChainRow]:
        after = 0
        while after < size:
            rows = self.chain.select_chain(after, min(PAGE, size - after))
            if not rows:
                return
            yield from rows
            after = rows[-1].position

    def slice_rows(self, wanted: set[int], size: int) -> Iterator[ChainRow]:
        """The wanted entries and the key and witness-policy history, each command whole,
        in order; from format 3 also each stream they touch whole (up to ``size``), so
        the slice is complete for every stream in it (its state proofs say so)."""
        wanted |= set(self.chain.positions_of_topics(tuple(HISTORY_TOPICS)))
        whole_streams = formats.since(self.ledger, STATE_FORMAT)
        rows: dict[int, ChainRow] = {}
        streams: set[str] = set()
        todo = {p for p in wanted if 1 <= p <= size}
        asked: set[int] = set()
        while todo:
            asked |= todo
            fetched = self.chain.select_positions(sorted(todo))
            rows.update({r.position: r for r in fetched})
            more: set[int] = set()
            for row in fetched:
                part, count = json.loads(row.entry)["part"]
                more.update(range(row.position - part, row.position - part + count))
                if whole_streams and row.event is not None and row.event.stream not in streams:
                    streams.add(row.event.stream)
                    more.update(self.chain.positions_of_stream(UUID(row.event.stream)))
            todo = {p for p in more if 1 <= p <= size} - asked
        for position in sorted(rows):
            yield rows[position]


def _subject_of(query: dict[str, Any] | None) -> tuple[str, str] | None:
    if query and len(query) == 1:
        ((kind, ident),) = query.items()
        if kind in SUBJECT_KINDS and isinstance(ident, str):
            return kind, ident
    return None


def read_checkpoint_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(
            _("cannot read {path}: {exc}", path=path, exc=os_reason(exc))
        ) from exc
