"""The object directory: batch imports (begin, batches, complete), updates, closures (R4.1)."""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from typing import Any

from ledger import formats
from ledger.areas.departments.rules import require_operator
from ledger.areas.directory.events import (
    BATCH_ROWS,
    OBJECT_FIELDS,
    UPDATABLE,
    DirectoryObject,
    ImportBatch,
    ObjectImport,
    object_row_problems,
    object_rows_sound,
    object_rows_sound_and_plain,
)
from ledger.commanding import Command, Context, Outcome, Route
from ledger.errors import ConflictError, NotFoundError, ValidationError
from ledger.fields import boolean, choice, custom, date, integer, text
from ledger.i18n import _
from ledger.ids import object_id, object_import_id
from ledger.params import Params
from ledger.roles import DEPARTMENT

# A row's cells in the stored column order, as one C-level call per row.
_OBJECT_CELLS = operator.itemgetter(*OBJECT_FIELDS)

SHA256_HEX = r"[0-9a-f]{64}"
IMPORT_ID = r"[A-Za-z0-9-]{8,64}"


def _load_import(ctx: Context, import_id: str, department: str) -> ObjectImport:
    found = ctx.ledger.find(object_import_id(import_id))
    if found is None:
        raise NotFoundError(_("no import {import_id}", import_id=import_id))
    assert isinstance(found, ObjectImport)
    if found.department != department:
        raise NotFoundError(
            _(
                "import {import_id} is not one of {department}'s",
                import_id=import_id,
                department=department,
            )
        )
    if found.complete:
        raise ConflictError(_("import {import_id} is already complete", import_id=import_id))
    return found


@dataclass(frozen=True)
class BeginImport(Command):
    """Begin a batch import of directory objects from a file."""

    ACTION = "directory.import.begin"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/directory/imports")

    import_id: str = text(max_length=64, pattern=IMPORT_ID)
    source: str = text(max_length=255)
    file_sha256: str = text(max_length=64, pattern=SHA256_HEX)
    rows: int = integer(minimum=1, maximum=50_000_000)
    batches: int = integer(minimum=1)
    format: str = choice(("csv", "xlsx"))
    confirm_warnings: bool = boolean(
        description="The importer confirms the rows' warnings (e.g. a 92... code filed as an "
        "enterprise), R4.1."
    )

    def handle(self, ctx: Context) -> Outcome:
        return begin(ctx, self)


def begin(ctx: Context, c: BeginImport) -> Outcome:
    department = require_operator(ctx)
    import_id, source, digest, rows, batches = (
        c.import_id,
        c.source,
        c.file_sha256,
        c.rows,
        c.batches,
    )
    file_format = c.format
    if batches != math.ceil(rows / BATCH_ROWS):
        raise ValidationError(
            _("batch count does not fit the rows"),
            {
                "batches": [
                    _("{rows} rows make {batches}", rows=rows, batches=math.ceil(rows / BATCH_ROWS))
                ]
            },
        )
    if ctx.ledger.find(object_import_id(import_id)) is not None:
        raise ConflictError(_("import {import_id} already exists", import_id=import_id))
    started = ObjectImport(
        import_id=import_id,
        department=department,
        source=source,
        file_sha256=digest,
        rows=rows,
        batches=batches,
        format=file_format,
        confirm_warnings=c.confirm_warnings,
    )
    return Outcome([started], {"import_id": import_id})


@dataclass(frozen=True)
class RecordBatch(Command):
    """Record the next batch of an import (rows attached)."""

    ACTION = "directory.import.batch"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/directory/imports/{import_id}/batches", attachment="rows")

    import_id: str = text(max_length=64, pattern=IMPORT_ID)
    seq: int = integer(minimum=1)
    rows_digest: str = text(max_length=64, pattern=SHA256_HEX)

    def handle(self, ctx: Context) -> Outcome:
        return batch(ctx, self)


def batch(ctx: Context, c: RecordBatch) -> Outcome:
    department = require_operator(ctx)
    import_id, seq, digest = c.import_id, c.seq, c.rows_digest
    structure = formats.since(ctx.ledger, 2)
    # The whole batch at once (its warnings as if unconfirmed); only if that is unsure,
    # row by row below (the same rules). Rows it finds sound and plain JSON need not be
    # checked again for their digest's canonical bytes.
    sound, plain = object_rows_sound_and_plain(ctx.attachment, department, structure=structure)
    rows = ctx.attached_rows(plain=plain)
    started = _load_import(ctx, import_id, department)
    if seq != started.recorded + 1:
        raise ConflictError(
            _(
                "import {import_id} expects batch {recorded}, not {seq}",
                import_id=import_id,
                recorded=started.recorded + 1,
                seq=seq,
            )
        )
    if not 1 <= len(rows) <= BATCH_ROWS or (seq < started.batches and len(rows) != BATCH_ROWS):
        raise ValidationError(
            _(
                "a batch holds {rows} rows (the last one may hold fewer)",
                rows=BATCH_ROWS,
            ),
            {"attachment": [_("{count} rows", count=len(rows))]},
        )
    errors: dict[str, list[str]] = {}
    confirmed = started.confirm_warnings
    if not sound and confirmed:
        sound = object_rows_sound(rows, department, structure=structure, confirmed=True)
    for i, row in enumerate([] if sound else rows):
        problems = object_row_problems(row, department, structure=structure, confirmed=confirmed)
        if problems:
            errors[f"rows[{(seq - 1) * BATCH_ROWS + i}]"] = problems
    if errors:
        raise ValidationError(_("rows that cannot be recorded"), errors, rule="R4.1")
    started.record_batch(seq=seq, digest=digest, count=len(rows))
    batch_rows = ImportBatch(
        import_id=import_id,
        department=department,
        seq=seq,
        digest=digest,
        columns=OBJECT_FIELDS,
        rows=tuple(map(_OBJECT_CELLS, rows)),
    )
    return Outcome([started, batch_rows], {"import_id": import_id, "seq": seq, "rows": len(rows)})


@dataclass(frozen=True)
class CompleteImport(Command):
    """Complete an import: its rows take effect together."""

    ACTION = "directory.import.complete"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/directory/imports/{import_id}/completion")

    import_id: str = text(max_length=64, pattern=IMPORT_ID)

    def handle(self, ctx: Context) -> Outcome:
        return complete(ctx, self.import_id)


def complete(ctx: Context, import_id: str) -> Outcome:
    department = require_operator(ctx)
    started = _load_import(ctx, import_id, department)
    if started.recorded != started.batches or started.recorded_rows != started.rows:
        raise ConflictError(
            _(
                "import {import_id} has {recorded}/{batches} batches and "
                "{recorded_rows}/{rows} rows; it cannot complete",
                import_id=import_id,
                recorded=started.recorded,
                batches=started.batches,
                recorded_rows=started.recorded_rows,
                rows=started.rows,
            )
        )
    started.complete_import(rows=started.rows, batches=started.batches)
    return Outcome([started], {"import_id": import_id, "rows": started.rows, "complete": True})


def _object(ctx: Context, key: str, department: str) -> DirectoryObject:
    found = ctx.ledger.find(object_id(key))
    if found is None:
        return DirectoryObject(object_key=key, department=department)
    assert isinstance(found, DirectoryObject)
    return found


def read_fields(p: Params, name: str) -> dict[str, Any]:
    """The fields to change, by name (only the updatable ones)."""
    fields = p.nested(name)
    return {} if fields is None else fields.raw


@dataclass(frozen=True)
class UpdateObject(Command):
    """Change fields of one directory object."""

    ACTION = "directory.object.update"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/directory/objects/{object}/changes")

    object: str = text(max_length=64)
    fields: dict[str, Any] = custom("object", read_fields)

    def handle(self, ctx: Context) -> Outcome:
        return update(ctx, self.object, self.fields)


def update(ctx: Context, key: str, raw: dict[str, Any]) -> Outcome:
    department = require_operator(ctx)
    unknown = set(raw) - set(UPDATABLE)
    if unknown or not raw:
        raise ValidationError(
            _("only these fields can be updated: {fields}", fields=", ".join(UPDATABLE)),
            {"fields": sorted(unknown) or [_("is empty")]},
        )
    probe = {
        "id": key,
        "name": "x",
        "kind": "product",
        "region": "x",
        "industry": None,
        "scope": None,
        "supervisors": [department],
        "credit_class": "A",
        "penalties": [],
        "complaints": 0,
        "status": "active",
        **raw,
    }
    problems = [q for q in object_row_problems(probe, department) if not q.startswith("id ")]
    if problems:
        raise ValidationError(_("invalid fields"), {"fields": problems}, rule="R4.1")
    changed = _object(ctx, key, department)
    if changed.closed_on is not None:
        raise ConflictError(
            _("object {key} was closed on {closed_on}", key=key, closed_on=changed.closed_on)
        )
    changed.update(department=department, fields=dict(raw))
    return Outcome([changed], {"object": key})


@dataclass(frozen=True)
class CloseObject(Command):
    """Close (注销) one directory object."""

    ACTION = "directory.object.close"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/directory/objects/{object}/closure")

    object: str = text(max_length=64)
    closed_on: str = date()
    reason: str = text(max_length=500)

    def handle(self, ctx: Context) -> Outcome:
        return close(ctx, self.object, self.closed_on, self.reason)


def close(ctx: Context, key: str, closed_on: str, reason: str) -> Outcome:
    department = require_operator(ctx)
    changed = _object(ctx, key, department)
    if changed.closed_on is not None:
        raise ConflictError(
            _(
                "object {key} was already closed on {closed_on}",
                key=key,
                closed_on=changed.closed_on,
            )
        )
    changed.close(department=department, closed_on=closed_on, reason=reason)
    return Outcome([changed], {"object": key, "closed_on": closed_on})


COMMANDS = (BeginImport, RecordBatch, CompleteImport, UpdateObject, CloseObject)
