"""The object directory (检查对象名录库, R4.1): imports in batches, per-object changes.

Imports are written as one event per batch of rows (never one per object), so a
large import is fast; each batch carries the SHA-256 of its rows' canonical bytes.
Each batch is a stream of its own (:class:`ImportBatch`); the import's stream keeps
only the bookkeeping (which batches, how many rows), so recording batch k never
replays the rows of batches 1..k-1.
An import is *begun* (file digest, row and batch counts), receives its batches in
order, and is *completed*; readers take an import's rows only once it is complete,
so an import interrupted half-way changes nothing. A later row for the same object
id supersedes an earlier one (the directory is kept current by re-import, R4.1).
Single-object updates and closures are events on that object's own stream.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Sequence
from itertools import chain, compress, repeat
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.areas.directory.uscc import (
    codes_sound,
    kinds_match,
    structure_findings,
    uscc_problem,
)
from ledger.i18n import _
from ledger.ids import batch_id, object_id, object_import_id

BATCH_ROWS = 1000
OBJECT_KINDS = ("enterprise", "individual", "cooperative", "product", "project", "behaviour")
MARKET_ENTITIES = ("enterprise", "individual", "cooperative")
CREDIT_CLASSES = ("A", "B", "C", "D")
STATUSES = ("active", "closed")


class ObjectImport(Aggregate):
    TOPIC = "shuangsui.directory.import"

    class Created(Aggregate.Created):
        TOPIC = "shuangsui.directory.import_begun"
        import_id: str
        department: str
        source: str
        file_sha256: str
        rows: int
        batches: int
        format: str
        #: The importer confirmed the rows' warnings (R4.1); absent on imports recorded
        #: before it was added (schema 1).
        confirm_warnings: bool

        # Schema 2 added ``confirm_warnings``: the entry records the schema an event was
        # written at, and a replay compares an older one after this upcast (issue 11.1).
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["confirm_warnings"] = False

    class BatchRecorded(Aggregate.Event):
        TOPIC = "shuangsui.directory.batch_recorded"
        seq: int
        digest: str
        count: int

    class Completed(Aggregate.Event):
        TOPIC = "shuangsui.directory.import_completed"
        rows: int
        batches: int

    @event(Created)
    def __init__(
        self,
        import_id: str,
        department: str,
        source: str,
        file_sha256: str,
        rows: int,
        batches: int,
        format: str,
        confirm_warnings: bool = False,
    ) -> None:
        self.import_id = import_id
        self.confirm_warnings = confirm_warnings
        self.department = department
        self.source = source
        self.file_sha256 = file_sha256
        self.rows = rows
        self.batches = batches
        self.format = format
        self.recorded = 0
        self.recorded_rows = 0
        self.complete = False

    @staticmethod
    def create_id(import_id: str, **_: Any) -> UUID:
        return object_import_id(import_id)

    @event(BatchRecorded)
    def record_batch(self, seq: int, digest: str, count: int) -> None:
        self.recorded += 1
        self.recorded_rows += count

    @event(Completed)
    def complete_import(self, rows: int, batches: int) -> None:
        self.complete = True


class ImportBatch(Aggregate):
    """One batch of an import: the rows themselves, with their digest.

    Stored as a column header and one value array per row (not a dict per row): the
    same data in about half the bytes, and half the decoding for whoever reads it.
    ``digest`` is over the rows as the department sent them (:meth:`as_rows`).
    """

    TOPIC = "shuangsui.directory.batch"

    class Created(Aggregate.Created):
        TOPIC = "shuangsui.directory.batch_rows"
        import_id: str
        department: str
        seq: int
        digest: str
        columns: tuple[str, ...]
        rows: tuple[tuple[Any, ...], ...]

    @event(Created)
    def __init__(
        self,
        import_id: str,
        department: str,
        seq: int,
        digest: str,
        columns: tuple[str, ...],
        rows: tuple[tuple[Any, ...], ...],
    ) -> None:
        self.import_id = import_id
        self.department = department
        self.seq = seq
        self.digest = digest
        self.columns = tuple(columns)
        self.rows = rows

    @staticmethod
    def create_id(import_id: str, seq: int, **_: Any) -> UUID:
        return batch_id(import_id, seq)

    def as_rows(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


class DirectoryObject(Aggregate):
    """Changes to one object after import: field updates and closure (注销)."""

    TOPIC = "shuangsui.directory.object"

    class Created(Aggregate.Created):
        TOPIC = "shuangsui.directory.object_opened"
        object_key: str
        department: str

    class Updated(Aggregate.Event):
        TOPIC = "shuangsui.directory.object_updated"
        department: str
        fields: dict[str, Any]

    class Closed(Aggregate.Event):
        TOPIC = "shuangsui.directory.object_closed"
        department: str
        closed_on: str
        reason: str

    @event(Created)
    def __init__(self, object_key: str, department: str) -> None:
        self.object_key = object_key
        self.department = department
        self.fields: dict[str, Any] = {}
        self.closed_on: str | None = None

    @staticmethod
    def create_id(object_key: str, **_: Any) -> UUID:
        return object_id(object_key)

    @event(Updated)
    def update(self, department: str, fields: dict[str, Any]) -> None:
        self.fields.update(fields)

    @event(Closed)
    def close(self, department: str, closed_on: str, reason: str) -> None:
        self.closed_on = closed_on


_SPACE = re.compile(r"\s")
OBJECT_FIELDS = (
    "id",
    "name",
    "kind",
    "region",
    "industry",
    "scope",
    "supervisors",
    "credit_class",
    "penalties",
    "complaints",
    "status",
)
_OBJECT_FIELD_SET = frozenset(OBJECT_FIELDS)
UPDATABLE = (
    "name",
    "region",
    "industry",
    "scope",
    "supervisors",
    "credit_class",
    "penalties",
    "complaints",
)


def object_row_problems(
    row: dict[str, Any], department: str, *, structure: bool = False, confirmed: bool = False
) -> list[str]:
    """Why a normalised directory row cannot be recorded (empty: it can).

    Rows reach the ledger already normalised (``ledger.areas.directory.files``); this is
    the ledger's own check at its trust boundary, on whatever a client sent.
    ``structure`` (format 2): also the code's structure (R4.1, ``uscc.structure_findings``);
    its warnings too unless the import ``confirmed`` them.
    """
    problems: list[str] = []
    if row.keys() != _OBJECT_FIELD_SET:
        return [f"fields must be exactly {', '.join(OBJECT_FIELDS)}"]
    ident, kind = row["id"], row["kind"]
    if kind not in OBJECT_KINDS:
        problems.append(
            _(
                "kind {kind!r} is not one of {kinds}",
                kind=kind,
                kinds=", ".join(OBJECT_KINDS),
            )
        )
    if not isinstance(ident, str) or not ident or len(ident) > 64 or _SPACE.search(ident):
        problems.append(_("id must be 1-64 characters without spaces"))
    elif kind in MARKET_ENTITIES and (problem := uscc_problem(ident)):
        problems.append(_("unified social credit code {problem}", problem=problem))
    elif kind in MARKET_ENTITIES and structure:
        errors, warnings = structure_findings(ident, kind)
        problems += [_("unified social credit code {problem}", problem=e) for e in errors]
        if not confirmed:
            problems += [
                _(
                    "unified social credit code {warning}: confirm it (--confirm-warnings) "
                    "or correct the kind",
                    warning=w,
                )
                for w in warnings
            ]
    for name in ("name", "region"):
        if not isinstance(row[name], str) or not row[name].strip():
            problems.append(_("{name} is required", name=name))
    for name in ("industry", "scope"):
        if row[name] is not None and not isinstance(row[name], str):
            problems.append(_("{name} must be text", name=name))
    supervisors = row["supervisors"]
    if (
        not isinstance(supervisors, list)
        or not supervisors
        or not all(isinstance(s, str) for s in supervisors)
    ):
        problems.append(_("supervisors must list department codes"))
    elif department not in supervisors:
        problems.append(
            f"{department} does not supervise this object (谁审批谁监管，谁主管谁监管, R4.1)"
        )
    if row["credit_class"] not in CREDIT_CLASSES:
        problems.append(_("credit_class must be A, B, C or D"))
    penalties = row["penalties"]
    if not isinstance(penalties, list):
        problems.append(_("penalties must be a list of dates"))
    else:
        for day in penalties:
            try:
                dt.date.fromisoformat(day)
            except (TypeError, ValueError):
                problems.append(_("penalty date {day!r} is not YYYY-MM-DD", day=day))
    complaints = row["complaints"]
    if not isinstance(complaints, int) or isinstance(complaints, bool) or complaints < 0:
        problems.append(_("complaints must be a whole number >= 0"))
    if row["status"] not in STATUSES:
        problems.append(_("status must be active or closed"))
    return problems


_KIND_SET = frozenset(OBJECT_KINDS)
_ENTITY_SET = frozenset(MARKET_ENTITIES)
_CREDIT_SET = frozenset(CREDIT_CLASSES)
_STATUS_SET = frozenset(STATUSES)
_TEXT_OR_NONE = frozenset({str, type(None)})


def object_rows_sound(
    rows: Sequence[Any], department: str, *, structure: bool = False, confirmed: bool = False
) -> bool:
    """True only if :func:`object_row_problems` finds nothing in any of ``rows``; False
    says nothing about any one row: ask that function row by row then.

    The same rules column by column, each a few C-level calls over a whole batch (a
    directory import re-checks a million rows at the ledger's boundary), and stricter
    where that is simpler: exact types, keys in the stored order, every market entity's
    code free of structure errors whatever the format.
    """
    return object_rows_sound_and_plain(rows, department, structure=structure, confirmed=confirmed)[
        0
    ]


def object_rows_sound_and_plain(
    rows: Sequence[Any], department: str, *, structure: bool = False, confirmed: bool = False
) -> tuple[bool, bool]:
    """(:func:`object_rows_sound`, and whether the rows are moreover plain JSON as
    ``canonical_bytes(plain=True)`` takes it: also exactly ``str`` where a value equal to
    a listed one would do, integers within ±(2**53 - 1)). Never raises."""
    try:
        return _rows_sound(rows, department, structure and not confirmed)
    except (TypeError, ValueError):  # e.g. an unhashable kind, a penalty date that is none
        return False, False


_NOT = (False, False)
_MAX_SAFE_INT = 2**53 - 1


def _rows_sound(rows: Sequence[Any], department: str, warnings: bool) -> tuple[bool, bool]:
    if not rows:
        return True, True
    if set(map(type, rows)) != {dict} or set(map(tuple, rows)) != {OBJECT_FIELDS}:
        return _NOT
    (
        ids,
        names,
        kinds,
        regions,
        industries,
        scopes,
        supervisors,
        credit,
        penalties,
        complaints,
        status,
    ) = zip(*map(dict.values, rows), strict=True)
    if not (set(kinds) <= _KIND_SET and set(credit) <= _CREDIT_SET and set(status) <= _STATUS_SET):
        return _NOT
    if set(map(type, ids)) != {str} or _SPACE.search("".join(ids)):
        return _NOT
    lengths = set(map(len, ids))
    if min(lengths) < 1 or max(lengths) > 64:
        return _NOT
    entity = list(map(_ENTITY_SET.__contains__, kinds))
    codes = list(compress(ids, entity))
    if not codes_sound(codes):
        return _NOT
    if warnings and not kinds_match(codes, list(compress(kinds, entity))):
        return _NOT
    for texts in (names, regions):
        if set(map(type, texts)) != {str} or not all(map(str.strip, texts)):
            return _NOT
    if not set(map(type, industries)) | set(map(type, scopes)) <= _TEXT_OR_NONE:
        return _NOT
    if set(map(type, supervisors)) != {list} or not all(supervisors):
        return _NOT
    if set(map(type, chain.from_iterable(supervisors))) != {str}:
        return _NOT
    if not all(map(operator.contains, supervisors, repeat(department))):
        return _NOT
    if set(map(type, penalties)) != {list}:
        return _NOT
    days = list(chain.from_iterable(penalties))
    if days and set(map(type, days)) != {str}:
        return _NOT
    list(map(dt.date.fromisoformat, days))  # ValueError: not a date (see above)
    if set(map(type, complaints)) != {int} or min(complaints) < 0:
        return _NOT
    chosen = set(map(type, kinds)) | set(map(type, credit)) | set(map(type, status))
    return True, chosen == {str} and max(complaints) <= _MAX_SAFE_INT
