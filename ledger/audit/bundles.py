"""Bundles: the whole ledger, or a slice with inclusion proofs, verified offline.

A bundle is JSON lines: a header (``format: shuangsui-bundle-v1``, ``kind`` full or
slice, origin, size, head, and a slice's ``query``), the signed checkpoints, one
line per entry (:func:`bundle_entry`; a slice's entries carry an inclusion proof),
the key history, and an end record (entry count, head).

Invariants:

* every record has exactly its fields, base64 is strict, and nothing may follow the
  end record;
* a full bundle's entries give, through a :class:`~ledger.audit.hashing.MerkleFrontier`,
  the root of every checkpoint it carries; a slice's entries are each proved into
  its one checkpoint, and a stream slice holds that stream's versions 1..k with
  their whole commands (plus the key history);
* every checkpoint is signed by the ledger key valid at its size, and only
  registered witnesses cosign it (:func:`~ledger.audit.keystate.check_checkpoint`);
* the failure reported is the one at the lowest position, between the chain's and
  the bundle's own;
* a slice may carry RFC 9162 consistency proofs between its checkpoint and other sizes
  (a ``consistency`` record, ``export --consistency-from N``): a trusted checkpoint of
  another size then anchors the slice's root too, not only its key -- a fork fails.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ledger.audit.chain import ChainChecker
from ledger.audit.errors import BundleError, NoteError
from ledger.audit.evidence import RouteTable
from ledger.audit.hashing import MerkleFrontier, leaf_hash, verify_consistency, verify_inclusion
from ledger.audit.keystate import (
    GENESIS_TOPIC,
    KEY_CHANGE_TOPICS,
    LEDGER_ROLE,
    KeyState,
    check_checkpoint,
)
from ledger.audit.messages import _, reason_of
from ledger.audit.notes import (
    NOTE_ED25519,
    Checkpoint,
    NoteVerifier,
    b64,
    b64strict,
    parse_checkpoint,
    parse_note,
    verify_note,
)
from ledger.audit.report import (
    BAD_CHECKPOINT,
    BAD_PROOF,
    INCOMPLETE_SLICE,
    MALFORMED_BUNDLE,
    MISSING_POSITION,
    ChainRow,
    Failure,
    Report,
    StoredEventRow,
)
from ledger.audit.rows import (
    Neighbour,
    RowParts,
    compact_entry,
    compact_evidence,
    expand_rows,
)
from ledger.audit.signatures import verify_rows
from ledger.audit.statemap import (
    KEYS_KEY,
    STATE_FORMAT,
    BucketProof,
    StateMap,
    check_state_line,
    empty_root,
    history_step,
    keys_value,
    lookup,
    proven_leaves,
    state_root_of,
    stream_key,
)
from ledger.audit.subjects import SUBJECT_KINDS, subject_key, subject_step
from ledger.audit.timing import check_checkpoint_times
from ledger.audit.witnessing import POLICY_TOPICS

BUNDLE_FORMAT = "shuangsui-bundle-v2"
#: Version 1 stores every entry and evidence in full; version 2 (issue 15 part 3) stores
#: them compact where it can (:func:`compact_line`). A verifier reads both.
BUNDLE_FORMATS = ("shuangsui-bundle-v1", BUNDLE_FORMAT)
_ENTRY_FIELDS = {
    "t",
    "position",
    "entry",
    "entry_hash",
    "command",
    "actor_key",
    "nonce",
    "signer",
    "signature",
    "event",
}
_EVENT_FIELDS = {"stream", "version", "topic", "state"}


@dataclass(frozen=True)
class Anchor:
    """What ties a bundle to the real log (issue 11 part 4): the log's verifier key
    (``--vkey``, ``name+hash+base64``) and/or a checkpoint the auditor already trusts
    (``--trusted-checkpoint``). Without one, a look-alike log -- a whole history forged
    under another ledger key -- verifies exactly like the real one."""

    vkey: str | None = None
    trusted: str | None = None
    #: A consistency proof given beside the bundle (``verify --consistency FILE``, the
    #: output of ``shuangsui consistency OLD NEW``): (OLD, the proof hashes), between the
    #: trusted checkpoint's size and the bundle's, in either order.
    consistency: tuple[int, list[bytes]] | None = None


def _failure(exc: BundleError) -> Failure:
    return Failure(exc.position, exc.reason, exc.detail)


def _opt_b64(data: bytes | None) -> str | None:
    return None if data is None else b64(data)


def bundle_entry(row: ChainRow, proof: Sequence[bytes] | None = None) -> dict[str, Any]:
    """A chain row as a bundle line (the one definition the exporter also uses).

    Every field is checked by the verifier; the database's notification id is left
    out because nothing outside the database could check it.
    """
    line: dict[str, Any] = {
        "t": "entry",
        "position": row.position,
        "entry": b64(row.entry),
        "entry_hash": b64(row.entry_hash),
        "command": _opt_b64(row.command),
        "actor_key": row.actor_key,
        "nonce": row.nonce,
        "signer": row.signer,
        "signature": _opt_b64(row.signature),
        # No stored event (only a direct write to the table can do that): ``null``, which
        # the verifier refuses as a malformed line.
        "event": None
        if row.event is None
        else {
            "stream": row.event.stream,
            "version": row.event.version,
            "topic": row.event.topic,
            "state": b64(row.event.state),
        },
    }
    if proof is not None:
        line["proof"] = [b64(h) for h in proof]
    return line


def compact_line(line: dict[str, Any], row: ChainRow, previous: ChainRow | None) -> dict[str, Any]:
    """A version-2 entry line: :func:`bundle_entry`'s, with the evidence in its compact
    form (:mod:`ledger.audit.rows`), and the entry too when ``previous`` -- the row of
    the line before -- is the entry before it, whose hash the verifier links it to;
    each only where it expands to the same bytes."""
    command = row.command
    if command is not None and row.actor_key is not None and row.nonce is not None:
        stored = compact_evidence(command, row.actor_key, row.nonce)
        if stored is not None:
            line["command"] = b64(stored)
    if previous is not None and previous.position == row.position - 1:
        entry = _compact_line_entry(row, previous.entry_hash)
        if entry is not None:
            line["entry"] = b64(entry)
    return line


def _compact_line_entry(row: ChainRow, prev: bytes) -> bytes | None:
    if row.event is None:
        return None
    try:
        fields = json.loads(row.entry)
        part, count = fields["part"]
        return compact_entry(
            row.entry,
            schema=fields["schema"],
            part=part,
            count=count,
            time=fields["time"],
            position=row.position,
            prev=prev,
            stream=row.event.stream,
            version=row.event.version,
            topic=row.event.topic,
            state=row.event.state,
            command_digest=fields["command"],
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _compact_lines(header: dict[str, Any]) -> bool:
    """Whether the bundle's entry lines may be compact (version 2 on)."""
    return bool(header["format"] != BUNDLE_FORMATS[0])


class _LineExpander:
    """Expands compact entry lines (version 2) as they are read, with the previous
    line's row (its hash is the next one's link) and the open command's first row
    (its evidence gives the command's digest)."""

    def __init__(self) -> None:
        self.recent: dict[int, Neighbour] = {}
        self.first: tuple[int, Neighbour] | None = None

    def expand(self, row: ChainRow) -> ChainRow:
        event = row.event
        parts: RowParts = (
            row.position,
            row.entry,
            row.entry_hash,
            row.command,
            row.actor_key,
            row.nonce,
            None if event is None else event.stream,
            0 if event is None else event.version,
            "" if event is None else event.topic,
            b"" if event is None else event.state,
        )
        recent = self.recent
        ((entry, command),) = expand_rows(
            [parts], lambda positions: {p: recent[p] for p in positions if p in recent}
        )
        this: Neighbour = (row.entry_hash, row.command, row.actor_key, row.nonce)
        if row.command is not None:
            self.first = (row.position, this)
        self.recent = {row.position: this}
        if self.first is not None:
            self.recent.setdefault(*self.first)
        return ChainRow(
            row.position,
            entry,
            row.entry_hash,
            command,
            row.actor_key,
            row.nonce,
            row.signer,
            row.signature,
            row.event,
            row.notification_id,
        )


def _exact(obj: Any, fields: set[str], position: int, what: str) -> dict[str, Any]:
    if not isinstance(obj, dict) or set(obj) != fields:
        raise BundleError(position, MALFORMED_BUNDLE, _("{what} has unexpected fields", what=what))
    return obj


def _opt_text(value: Any, position: int) -> str | None:
    if value is not None and not isinstance(value, str):
        raise BundleError(position, MALFORMED_BUNDLE, _("a text field holds something else"))
    return value


def _row_from_line(obj: dict[str, Any], with_proof: bool) -> tuple[ChainRow, list[bytes] | None]:
    position = obj.get("position")
    if not isinstance(position, int) or isinstance(position, bool):
        raise BundleError(0, MALFORMED_BUNDLE, _("entry without a position"))
    _exact(obj, _ENTRY_FIELDS | ({"proof"} if with_proof else set()), position, "entry")
    event = _exact(obj["event"], _EVENT_FIELDS, position, "event")
    try:

        def opt(name: str) -> bytes | None:
            return None if obj[name] is None else b64strict(obj[name], name)

        version = event["version"]
        if (
            not isinstance(version, int)
            or not isinstance(event["stream"], str)
            or not isinstance(event["topic"], str)
        ):
            raise NoteError(_("event fields have the wrong types"))
        row = ChainRow(
            position=position,
            entry=b64strict(obj["entry"], "entry"),
            entry_hash=b64strict(obj["entry_hash"], _("entry hash")),
            command=opt("command"),
            actor_key=_opt_text(obj["actor_key"], position),
            nonce=_opt_text(obj["nonce"], position),
            signer=_opt_text(obj["signer"], position),
            signature=opt("signature"),
            event=StoredEventRow(
                event["stream"],
                version,
                event["topic"],
                b64strict(event["state"], _("event state")),
            ),
            notification_id=position,
        )
        proof = None
        if with_proof:
            if not isinstance(obj["proof"], list):
                raise NoteError(_("proof is not a list"))
            proof = [b64strict(h, _("proof hash")) for h in obj["proof"]]
    except (NoteError, TypeError) as exc:
        raise BundleError(position, MALFORMED_BUNDLE, reason_of(exc)) from None
    return row, proof


def entry_row(obj: Any) -> ChainRow:
    """One entry line of a full bundle (or of the API's ``/api/v1/log/entries``) as a
    chain row; :class:`BundleError` names what is malformed."""
    if not isinstance(obj, dict):
        raise BundleError(0, MALFORMED_BUNDLE, _("line is not a bundle record"))
    row, _proof = _row_from_line(obj, with_proof=False)
    return row


def _line(text: str | None, position: int) -> dict[str, Any]:
    if text is None:
        raise BundleError(position, MALFORMED_BUNDLE, _("the bundle ends early"))
    try:
        obj = json.loads(text)
    except ValueError as exc:
        raise BundleError(
            position, MALFORMED_BUNDLE, _("line is not JSON: {exc}", exc=exc)
        ) from None
    if not isinstance(obj, dict) or not isinstance(obj.get("t"), str):
        raise BundleError(position, MALFORMED_BUNDLE, _("line is not a bundle record"))
    return obj


def _read_head(it: Iterator[str]) -> tuple[dict[str, Any], str, list[str], dict[str, Any]]:
    """The header, the kind, the checkpoint notes, and the first record after them."""
    header = _line(next(it, None), 0)
    kind = header.get("kind")
    fields = {"t", "format", "kind", "origin", "size", "head"}
    _exact(header, fields | ({"query"} if kind == "slice" else set()), 0, "header")
    if (
        header["t"] != "header"
        or header["format"] not in BUNDLE_FORMATS
        or kind not in ("full", "slice")
    ):
        raise BundleError(0, MALFORMED_BUNDLE, _("not a shuangsui bundle (v1 or v2)"))
    notes: list[str] = []
    record = _line(next(it, None), 0)
    while record["t"] == "checkpoint":
        _exact(record, {"t", "note"}, 0, "checkpoint")
        notes.append(str(record["note"]))
        record = _line(next(it, None), 0)
    return header, kind, notes, record


def _consistency_record(record: dict[str, Any], size: int) -> dict[tuple[int, int], list[bytes]]:
    """A slice's consistency proofs, (old, new) -> hashes; one end is the slice's size."""
    proofs: dict[tuple[int, int], list[bytes]] = {}
    if not isinstance(record["proofs"], list):
        raise BundleError(0, MALFORMED_BUNDLE, _("consistency proofs are not a list"))
    for item in record["proofs"]:
        item = _exact(item, {"old", "new", "proof"}, 0, _("consistency proof"))
        old, new, hashes = item["old"], item["new"], item["proof"]
        if (
            not all(isinstance(n, int) and not isinstance(n, bool) for n in (old, new))
            or not 0 < old < new
            or size not in (old, new)
            or not isinstance(hashes, list)
        ):
            raise BundleError(0, MALFORMED_BUNDLE, _("a consistency proof is malformed"))
        try:
            proofs[(old, new)] = [b64strict(h, _("consistency hash")) for h in hashes]
        except NoteError as exc:
            raise BundleError(0, MALFORMED_BUNDLE, reason_of(exc)) from None
    return proofs


class _Entries:
    """Reads the entry lines, proving each into the bundle's checkpoints; keeps the
    record after the last entry, the count, the last row and the roots it found (and
    a slice's consistency proofs, read with the records after the entries)."""

    #: Version 2: expands compact lines before they are proved and checked.
    expander: _LineExpander | None = None

    def __init__(
        self,
        it: Iterator[str],
        record: dict[str, Any],
        kind: str,
        target: Checkpoint,
        wanted: set[int],
    ) -> None:
        self.it, self.record, self.kind = it, record, kind
        self.target, self.wanted = target, wanted
        self.frontier = MerkleFrontier()
        self.roots: dict[int, bytes] = {}
        self.failure: Failure | None = None
        self.count = 0
        self.last: ChainRow | None = None
        self.consistency: dict[tuple[int, int], list[bytes]] = {}
        #: A slice's inclusion proofs by position, kept when ``proofs`` is a dict.
        self.proofs: dict[int, list[bytes]] | None = None

    def rows(self) -> Iterator[ChainRow]:
        rec, target = self.record, self.target
        try:
            while rec["t"] == "entry":
                row, proof = _row_from_line(rec, with_proof=self.kind == "slice")
                if self.expander is not None:
                    row = self.expander.expand(row)
                if self.kind == "full":
                    self.frontier.append(row.entry_hash)
                    if self.frontier.size in self.wanted:
                        self.roots[self.frontier.size] = self.frontier.root()
                elif self.proofs is not None and proof is not None:
                    self.proofs[row.position] = proof
                elif proof is None or not verify_inclusion(
                    leaf_hash(row.entry), row.position - 1, target.size, proof, target.root
                ):
                    raise BundleError(
                        row.position,
                        BAD_PROOF,
                        _("entry is not in the checkpoint of size {size}", size=target.size),
                    )
                self.count += 1
                self.last = row
                yield row
                rec = _line(next(self.it, None), row.position + 1)
        except BundleError as exc:
            self.failure = _failure(exc)
            return
        self.record = rec


def verify_bundle(
    lines: Iterable[str],
    routes: RouteTable,
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    anchor: Anchor | None = None,
) -> Report:
    """Verify an export bundle (see :meth:`ledger.transparency.log.Transparency.export`)
    with no database, no network; ``routes`` is the HTTP route table its ``rfc9421``
    evidence is read with. ``anchor`` pins the log key (:class:`Anchor`); the report
    names the log key the bundle's checkpoint is signed with either way."""
    it = iter(lines)
    try:
        trusted = (
            parse_checkpoint(parse_note(anchor.trusted).text)
            if anchor is not None and anchor.trusted is not None
            else None
        )
    except NoteError as exc:
        return Report(
            failure=Failure(0, BAD_CHECKPOINT, _("the trusted checkpoint: {exc}", exc=exc))
        )
    try:
        header, kind, notes, record = _read_head(it)
        checkpoints = [parse_checkpoint(parse_note(n).text) for n in notes]
    except NoteError as exc:
        return Report(failure=Failure(0, BAD_CHECKPOINT, reason_of(exc)))
    except BundleError as exc:
        return Report(failure=_failure(exc))
    sizes = [c.size for c in checkpoints]
    if (
        not checkpoints
        or sizes != sorted(set(sizes))
        or sizes[-1] != header["size"]
        or (kind == "slice" and len(checkpoints) != 1)
    ):
        return Report(
            failure=Failure(0, MALFORMED_BUNDLE, _("checkpoints missing or out of order"))
        )
    wanted = set(sizes) | ({trusted.size} if trusted is not None else set())
    entries = _Entries(it, record, kind, checkpoints[-1], wanted)
    entries.expander = _LineExpander() if _compact_lines(header) else None
    checker = ChainChecker(routes, sparse=kind == "slice")
    checker.subject = _subject_of(header.get("query"))
    if kind == "full":
        checker.state, checker.state_sizes = StateMap(), set(sizes)
    report = verify_rows(entries.rows(), checker=checker, workers=workers, progress=progress)
    bundle_failure = entries.failure
    if bundle_failure is None:
        bundle_failure = _check_tail(it, entries, header, report, checker, kind)
    if bundle_failure is None:
        bundle_failure = _check_notes(
            notes, report, entries.roots if kind == "full" else None, checker, kind == "full"
        )
    if bundle_failure is None and report:
        proofs = dict(entries.consistency)
        if anchor is not None and anchor.consistency is not None and trusted is not None:
            given_old, hashes = anchor.consistency
            other = trusted.size if given_old == checkpoints[-1].size else checkpoints[-1].size
            proofs[(given_old, other)] = hashes
        bundle_failure = _check_anchor(
            notes[-1], report, anchor, trusted, entries.roots if kind == "full" else {}, proofs
        )
    if bundle_failure is None and report:
        bundle_failure = _check_witnessing(notes, report, entries.roots)
    if bundle_failure is not None and (
        report.failure is None or bundle_failure.position <= report.failure.position
    ):
        report.failure = bundle_failure
    return report


def _check_notes(
    notes: list[str],
    report: Report,
    roots: dict[int, bytes] | None,
    checker: ChainChecker,
    whole: bool,
) -> Failure | None:
    """Check each checkpoint against the verified key history (and, for a full bundle,
    the roots and the state map its entries give); record its cosigners in the report.
    From format 2, the commands' times must agree with when the witnesses cosigned
    (:mod:`.timing`); from format 3 each carries its state line (:mod:`.statemap`)."""
    for note in notes:
        try:
            checkpoint, cosigners = check_checkpoint(
                note,
                report.keys,
                report.origin,
                roots.get(parse_checkpoint(parse_note(note).text).size)
                if roots is not None
                else None,
            )
            expected = None
            if whole:
                expected = (
                    checker.state_roots.get(checkpoint.size) if checkpoint.size else empty_root()
                )
            check_state_line(checkpoint, checker.format, expected)
        except NoteError as exc:
            return Failure(0, BAD_CHECKPOINT, reason_of(exc))
        report.checkpoints[checkpoint.size] = cosigners
        late = check_checkpoint_times(
            checker.format, checker.times, checkpoint.size, note, cosigners
        )
        if late is not None:
            return late
    return None


def _log_signer(note: str, keys: dict[str, KeyState], size: int) -> NoteVerifier | None:
    """The ledger key (valid at the checkpoint's size) whose signature the note carries."""
    parsed = parse_note(note)
    origin = parse_checkpoint(parsed.text).origin
    for key in keys.values():
        if LEDGER_ROLE in key.roles and key.valid_at(max(size, 1)):
            verifier = NoteVerifier(origin, key.public_key)
            try:
                verify_note(parsed, [verifier])
            except NoteError:
                continue
            return verifier
    return None


def _check_anchor(
    note: str,
    report: Report,
    anchor: Anchor | None,
    trusted: Checkpoint | None,
    roots: dict[int, bytes],
    proofs: dict[tuple[int, int], list[bytes]] | None = None,
) -> Failure | None:
    """Name the log key the bundle's checkpoint is signed with; with an anchor, it must
    be the key given (``--vkey``) or the one that signed the trusted checkpoint, and the
    entries must give the trusted root (where the bundle holds that size), or a
    consistency proof (in the bundle or given beside it) must join the trusted
    checkpoint and the bundle's."""
    checkpoint = parse_checkpoint(parse_note(note).text)
    signer = _log_signer(note, report.keys, checkpoint.size)
    if signer is None:  # check_checkpoint accepted it, so this cannot happen
        return Failure(0, BAD_CHECKPOINT, _("no ledger key signed the bundle's checkpoint"))
    report.log_key = signer.vkey
    if anchor is None:
        return None
    different = _(
        "the bundle's checkpoint is signed by the log key {vkey}, not the one the auditor "
        "holds: a different (look-alike) log",
        vkey=signer.vkey,
    )
    if anchor.vkey is not None:
        try:
            given = NoteVerifier.from_vkey(anchor.vkey)
        except NoteError as exc:
            return Failure(0, BAD_CHECKPOINT, _("--vkey: {exc}", exc=exc))
        if given.algorithm != NOTE_ED25519 or (given.name, given.public_key) != (
            signer.name,
            signer.public_key,
        ):
            return Failure(0, BAD_CHECKPOINT, different)
        report.anchors.append("vkey")
    if anchor.trusted is not None and trusted is not None:
        try:
            verify_note(parse_note(anchor.trusted), [signer])
        except NoteError:
            return Failure(
                0,
                BAD_CHECKPOINT,
                _(
                    "the bundle's checkpoint is signed by the log key {vkey}, not the one the "
                    "auditor trusted: a different (look-alike) log",
                    vkey=signer.vkey,
                ),
            )
        root = roots.get(trusted.size)
        if trusted.size == checkpoint.size:
            root = checkpoint.root
        if root is not None and root != trusted.root:
            return Failure(
                trusted.size,
                BAD_CHECKPOINT,
                _(
                    "the bundle's log has another root at the trusted size {trusted}: a fork "
                    "or a rewrite",
                    trusted=trusted.size,
                ),
            )
        anchored = _("trusted checkpoint {size}", size=trusted.size)
        if root is None:
            ends = tuple(sorted((trusted.size, checkpoint.size)))
            proof = (proofs or {}).get((ends[0], ends[1]))
            if proof is None:
                anchored = _(
                    "trusted checkpoint {size} (its key; its root is not in this bundle, and "
                    "no consistency proof)",
                    size=trusted.size,
                )
            else:
                old_root, new_root = (
                    (trusted.root, checkpoint.root)
                    if trusted.size < checkpoint.size
                    else (checkpoint.root, trusted.root)
                )
                if not verify_consistency(ends[0], ends[1], proof, old_root, new_root):
                    return Failure(
                        min(ends),
                        BAD_CHECKPOINT,
                        _(
                            "the bundle's checkpoint of size {size} is not consistent with the "
                            "trusted one of size {trusted}: a fork or a rewrite",
                            size=checkpoint.size,
                            trusted=trusted.size,
                        ),
                    )
                anchored = _(
                    "trusted checkpoint {size} (consistency proof {old} -> {new})",
                    size=trusted.size,
                    old=ends[0],
                    new=ends[1],
                )
        report.anchors.append(anchored)
    return None


def _check_witnessing(notes: list[str], report: Report, roots: dict[int, bytes]) -> Failure | None:
    """A checkpoint recorded in the log has the root the entries give (where the bundle
    gives it); then judge every checkpoint's witness quorum."""
    for size, note in report.witnessing.recorded.items():
        if size in roots and parse_checkpoint(parse_note(note).text).root != roots[size]:
            return Failure(
                size, BAD_CHECKPOINT, _("recorded checkpoint of size {size}: a fork", size=size)
            )
    by_size = {parse_checkpoint(parse_note(n).text).size: n for n in notes}
    report.quorum = report.witnessing.assess(
        by_size, report.keys, ledger_format=report.ledger_format
    )
    return None


def _check_tail(
    it: Iterator[str],
    entries: _Entries,
    header: dict[str, Any],
    report: Report,
    checker: ChainChecker,
    kind: str,
) -> Failure | None:
    state: dict[str, Any] | None = None
    try:
        keys_line = _exact(entries.record, {"t", "keys"}, 0, _("keys record"))
        record = _line(next(it, None), 0)
        if record["t"] == "state" and kind == "slice":
            state = _exact(record, {"t", "proofs"}, 0, _("state record"))
            record = _line(next(it, None), 0)
        if record["t"] == "consistency" and kind == "slice":
            entries.consistency = _consistency_record(
                _exact(record, {"t", "proofs"}, 0, _("consistency record")), entries.target.size
            )
            record = _line(next(it, None), 0)
        end = _exact(record, {"t", "entries", "head"}, 0, _("end record"))
        if next(it, None) is not None:
            raise BundleError(0, MALFORMED_BUNDLE, _("data after the end record"))
    except BundleError as exc:
        return _failure(exc)
    last = entries.last
    summary = [k.summary() for __, k in sorted(report.keys.items())]
    if keys_line["t"] != "keys" or keys_line["keys"] != summary:
        return Failure(0, MALFORMED_BUNDLE, _("the key history does not match the entries"))
    if (
        end["t"] != "end"
        or end["entries"] != entries.count
        or last is None
        or (end["head"] != b64(last.entry_hash))
        or header["head"] != end["head"]
    ):
        return Failure(0, MALFORMED_BUNDLE, _("entry count or head does not match the end record"))
    if header["origin"] != report.origin:
        return Failure(0, MALFORMED_BUNDLE, _("header origin differs from the genesis"))
    if kind == "full" and last.position != header["size"]:
        return Failure(last.position, MISSING_POSITION, _("the bundle stops before its size"))
    if kind == "slice":
        return _check_query(header.get("query"), checker) or _check_complete(
            state, entries.target, checker, report
        )
    return None


def _subject_of(query: Any) -> tuple[str, str] | None:
    """The (kind, id) a trail slice is about (None: a stream or draw slice)."""
    if isinstance(query, dict) and len(query) == 1:
        ((kind, ident),) = query.items()
        if kind in SUBJECT_KINDS and isinstance(ident, str) and ident:
            return kind, ident
    return None


def _check_subject(
    checker: ChainChecker, leaves: dict[str, str], buckets: set[int]
) -> Failure | None:
    """A trail slice holds every stream that names its subject: the subject's index in
    the state map, recomputed from the (complete) streams the slice holds."""
    if checker.subject is None:
        return None
    kind, ident = checker.subject
    proved, value = lookup(subject_key(kind, ident), leaves, buckets)
    if not proved:
        return Failure(
            0, INCOMPLETE_SLICE, _("no state proof for {kind} {ident}", kind=kind, ident=ident)
        )
    firsts = sorted((p, s) for s, p in checker.subject_firsts.items())
    digest = bytes(32)
    for _first, stream in firsts:
        digest = subject_step(digest, stream)
    held = keys_value(len(firsts), firsts[-1][0] if firsts else 0, digest)
    if held != (value or keys_value(0, 0, bytes(32))):
        count, last, _digest = (value or "0 0 -").split()
        return Failure(
            int(last),
            INCOMPLETE_SLICE,
            _(
                "the log holds {count} stream(s) naming {kind} {ident} (the last named "
                "at position {last}); the slice holds {held} (a record about "
                "it left out)",
                count=count,
                kind=kind,
                ident=ident,
                last=last,
                held=len(firsts),
            ),
        )
    return None


def _check_complete(
    state: dict[str, Any] | None, target: Checkpoint, checker: ChainChecker, report: Report
) -> Failure | None:
    """A slice holds everything the log held for every stream it touches, and the
    whole key and policy history, as its checkpoint's state map proves (format 3).

    Before format 3 the checkpoint commits to no state: the slice's completeness is
    unproven (``report.complete`` stays None, and the CLI says so)."""
    if checker.format < STATE_FORMAT:
        if state is not None:
            return Failure(
                0, MALFORMED_BUNDLE, _("a state record for a ledger without state lines")
            )
        return None
    root = None
    try:
        root = state_root_of(target)
        if state is None or root is None:
            raise NoteError(_("the slice carries no state proofs"))
        if not isinstance(state["proofs"], list):
            raise NoteError(_("state proofs are not a list"))
        leaves, buckets = proven_leaves([BucketProof.from_dict(p) for p in state["proofs"]], root)
    except NoteError as exc:
        return Failure(0, INCOMPLETE_SLICE, reason_of(exc))
    streams: dict[str, int] = {}
    for stream, held in sorted(checker.stream_positions.items()):
        proved, value = lookup(stream_key(stream), leaves, buckets)
        if not proved:
            return Failure(
                0, INCOMPLETE_SLICE, _("no state proof for stream {stream}", stream=stream)
            )
        last_version, last_position = (int(x) for x in (value or "0 0").split())
        missing = [v for v in range(1, last_version + 1) if v not in held]
        if missing or held.get(last_version) != last_position or max(held) > last_version:
            shown = ", ".join(str(v) for v in missing[:10]) + ("..." if len(missing) > 10 else "")
            return Failure(
                last_position,
                INCOMPLETE_SLICE,
                _(
                    "stream {stream}: the log holds versions 1..{last_version} (the last at "
                    "position {last_position}); the slice lacks version(s) {versions} "
                    "(events left out)",
                    stream=stream,
                    last_version=last_version,
                    last_position=last_position,
                    versions=shown or "?",
                ),
            )
        streams[stream] = last_version
    proved, value = lookup(KEYS_KEY, leaves, buckets)
    if not proved or value is None:
        return Failure(0, INCOMPLETE_SLICE, _("no state proof for the key history"))
    digest = bytes(32)
    for _position, entry_hash in checker.history:
        digest = history_step(digest, entry_hash)
    history = keys_value(
        len(checker.history), checker.history[-1][0] if checker.history else 0, digest
    )
    if history != value:
        count, last, __ = value.split()
        return Failure(
            int(last),
            INCOMPLETE_SLICE,
            _(
                "the key and witness-policy history has {count} entries up to position "
                "{last}; the slice holds {held} of them or others (a key "
                "event left out)",
                count=count,
                last=last,
                held=len(checker.history),
            ),
        )
    failure = _check_subject(checker, leaves, buckets)
    if failure is not None:
        return failure
    report.complete = {
        "size": target.size,
        "streams": streams,
        "key_history": len(checker.history),
    }
    return None


def _check_query(query: Any, checker: ChainChecker) -> Failure | None:
    """A stream slice holds that stream's versions 1..k with their whole commands.

    Other questions (a draw's inputs, a trail) are answered by checks of their own on
    the verified entries -- a draw's commitment, for one, fixes every input's root.
    """
    if (
        isinstance(query, dict)
        and len(query) == 1
        and set(query) <= {"draw", "object", "task", "person", "department"}
    ):
        return (
            None
            if all(isinstance(v, str) and v for v in query.values())
            else Failure(0, MALFORMED_BUNDLE, _("slice query names nothing"))
        )
    if not isinstance(query, dict) or set(query) != {"stream"}:
        return Failure(0, MALFORMED_BUNDLE, _("slice query must name a stream"))
    stream = query["stream"]
    versions = sorted(checker.stream_versions.get(stream, []))
    if not versions or versions != list(range(1, len(versions) + 1)):
        return Failure(0, MALFORMED_BUNDLE, _("the slice does not hold the stream's versions 1..k"))
    history = {GENESIS_TOPIC, *KEY_CHANGE_TOPICS, *POLICY_TOPICS}
    for streams, topics in checker.slice_commands:
        if stream not in streams and not topics <= history:
            return Failure(0, MALFORMED_BUNDLE, _("the slice holds a command that is not about it"))
    return None


@dataclass
class BundleContents:
    """What a second pass over an accepted bundle keeps (:func:`read_bundle`)."""

    kind: str
    checkpoint: Checkpoint
    #: A slice's inclusion proofs into its checkpoint, by position.
    proofs: dict[int, list[bytes]]
    #: A slice's consistency proofs, (old, new) -> hashes.
    consistency: dict[tuple[int, int], list[bytes]]


def read_bundle(lines: Iterable[str], visit: Callable[[ChainRow], None]) -> BundleContents:
    """A second pass over a bundle :func:`verify_bundle` has accepted: each entry goes to
    ``visit``; its kind, its (last) checkpoint and a slice's proofs come back."""
    it = iter(lines)
    _header, kind, notes, record = _read_head(it)
    target = parse_checkpoint(parse_note(notes[-1]).text)
    entries = _Entries(it, record, kind, target, set())
    entries.proofs = {}
    for row in entries.rows():
        visit(row)
    if entries.failure is not None:
        raise BundleError(entries.failure.position, entries.failure.reason, entries.failure.detail)
    record = entries.record
    while record["t"] != "end":
        if record["t"] == "consistency":
            entries.consistency = _consistency_record(record, target.size)
        record = _line(next(it, None), 0)
    return BundleContents(kind, target, entries.proofs, entries.consistency)


#: A key of the state map -> (proved, value) (:func:`~ledger.audit.statemap.lookup`).
StateLookup = Callable[[str], tuple[bool, str | None]]


def slice_state(lines: Iterable[str]) -> StateLookup | None:
    """For a slice :func:`verify_bundle` has accepted, a lookup of keys in the state map
    its checkpoint commits to, by the bucket proofs the slice carries: a key it proves
    absent is ``(True, None)``, one it carries no proof for ``(False, None)``. None for
    a full bundle (it holds everything) or a slice without state proofs (before
    format 3)."""
    it = iter(lines)
    _header, kind, notes, _first = _read_head(it)
    if kind != "slice" or not notes:
        return None
    root = state_root_of(parse_checkpoint(parse_note(notes[-1]).text))
    if root is None:
        return None
    for line in it:
        if not line.startswith('{"t":"state"'):
            continue
        state = _line(line, 0)
        if state.get("t") == "state" and isinstance(state.get("proofs"), list):
            leaves, buckets = proven_leaves(
                [BucketProof.from_dict(p) for p in state["proofs"]], root
            )
            return lambda key: lookup(key, leaves, buckets)
    return None


def bundle_rows(lines: Iterable[str]) -> tuple[str, Iterator[ChainRow]]:
    """The kind of a bundle and its entries as rows, read without any check: for a
    second pass (replay, :mod:`ledger.replay`) over a bundle :func:`verify_bundle`
    has already accepted."""
    it = iter(lines)
    header, kind, _notes, record = _read_head(it)
    entries = _Entries(it, record, "full", Checkpoint("", 0, bytes(32)), set())
    entries.expander = _LineExpander() if _compact_lines(header) else None
    return kind, entries.rows()
