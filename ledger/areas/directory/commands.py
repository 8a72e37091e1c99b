"""The object directory: batch imports (begin, batches, complete), updates, closures (R4.1)."""

from __future__ import annotations

import math

from ledger.areas.departments.rules import require_operator
from ledger.areas.directory.events import (
    BATCH_ROWS,
    OBJECT_FIELDS,
    UPDATABLE,
    DirectoryObject,
    ImportBatch,
    ObjectImport,
    object_id,
    object_row_problems,
)
from ledger.areas.ids import stream_id
from ledger.commanding import Context, Outcome, command
from ledger.errors import ConflictError, NotFoundError, ValidationError

SHA256_HEX = r"[0-9a-f]{64}"
IMPORT_ID = r"[A-Za-z0-9-]{8,64}"


def _load_import(ctx: Context, import_id: str, department: str) -> ObjectImport:
    found = ctx.ledger.find(stream_id("object-import", import_id))
    if found is None:
        raise NotFoundError(f"no import {import_id}")
    assert isinstance(found, ObjectImport)
    if found.department != department:
        raise NotFoundError(f"import {import_id} is not one of {department}'s")
    if found.complete:
        raise ConflictError(f"import {import_id} is already complete")
    return found


@command("directory.import.begin", "Begin a batch import of directory objects from a file.")
def begin(ctx: Context) -> Outcome:
    department = require_operator(ctx)
    p = ctx.params
    import_id = p.text("import_id", max_length=64, pattern=IMPORT_ID)
    source = p.text("source", max_length=255)
    digest = p.text("file_sha256", max_length=64, pattern=SHA256_HEX)
    rows = p.integer("rows", minimum=1, maximum=50_000_000)
    batches = p.integer("batches", minimum=1)
    file_format = p.choice("format", ("csv", "xlsx"))
    p.done()
    if batches != math.ceil(rows / BATCH_ROWS):
        raise ValidationError(
            "batch count does not fit the rows",
            {"batches": [f"{rows} rows make {math.ceil(rows / BATCH_ROWS)}"]},
        )
    if ctx.ledger.find(stream_id("object-import", import_id)) is not None:
        raise ConflictError(f"import {import_id} already exists")
    started = ObjectImport(
        import_id=import_id,
        department=department,
        source=source,
        file_sha256=digest,
        rows=rows,
        batches=batches,
        format=file_format,
    )
    return Outcome([started], {"import_id": import_id})


@command("directory.import.batch", "Record the next batch of an import (rows attached).")
def batch(ctx: Context) -> Outcome:
    department = require_operator(ctx)
    p = ctx.params
    import_id = p.text("import_id", max_length=64, pattern=IMPORT_ID)
    seq = p.integer("seq", minimum=1)
    digest = p.text("rows_digest", max_length=64, pattern=SHA256_HEX)
    p.done()
    rows = ctx.attached_rows()
    started = _load_import(ctx, import_id, department)
    if seq != started.recorded + 1:
        raise ConflictError(f"import {import_id} expects batch {started.recorded + 1}, not {seq}")
    if not 1 <= len(rows) <= BATCH_ROWS or (seq < started.batches and len(rows) != BATCH_ROWS):
        raise ValidationError(
            f"a batch holds {BATCH_ROWS} rows (the last one may hold fewer)",
            {"attachment": [f"{len(rows)} rows"]},
        )
    errors: dict[str, list[str]] = {}
    for i, row in enumerate(rows):
        problems = object_row_problems(row, department)
        if problems:
            errors[f"rows[{(seq - 1) * BATCH_ROWS + i}]"] = problems
    if errors:
        raise ValidationError("rows that cannot be recorded", errors, rule="R4.1")
    started.record_batch(seq=seq, digest=digest, count=len(rows))
    batch_rows = ImportBatch(
        import_id=import_id,
        department=department,
        seq=seq,
        digest=digest,
        columns=OBJECT_FIELDS,
        rows=tuple(tuple(row[c] for c in OBJECT_FIELDS) for row in rows),
    )
    return Outcome([started, batch_rows], {"import_id": import_id, "seq": seq, "rows": len(rows)})


@command("directory.import.complete", "Complete an import: its rows take effect together.")
def complete(ctx: Context) -> Outcome:
    department = require_operator(ctx)
    import_id = ctx.params.text("import_id", max_length=64, pattern=IMPORT_ID)
    ctx.params.done()
    started = _load_import(ctx, import_id, department)
    if started.recorded != started.batches or started.recorded_rows != started.rows:
        raise ConflictError(
            f"import {import_id} has {started.recorded}/{started.batches} batches and "
            f"{started.recorded_rows}/{started.rows} rows; it cannot complete"
        )
    started.complete_import(rows=started.rows, batches=started.batches)
    return Outcome([started], {"import_id": import_id, "rows": started.rows, "complete": True})


def _object(ctx: Context, key: str, department: str) -> DirectoryObject:
    found = ctx.ledger.find(object_id(key))
    if found is None:
        return DirectoryObject(object_key=key, department=department)
    assert isinstance(found, DirectoryObject)
    return found


@command("directory.object.update", "Change fields of one directory object.")
def update(ctx: Context) -> Outcome:
    department = require_operator(ctx)
    p = ctx.params
    key = p.text("object", max_length=64)
    fields = p.nested("fields")
    p.done()
    assert fields is not None
    unknown = set(fields.raw) - set(UPDATABLE)
    if unknown or not fields.raw:
        raise ValidationError(
            "only these fields can be updated: " + ", ".join(UPDATABLE),
            {"fields": sorted(unknown) or ["is empty"]},
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
        **fields.raw,
    }
    problems = [q for q in object_row_problems(probe, department) if not q.startswith("id ")]
    if problems:
        raise ValidationError("invalid fields", {"fields": problems}, rule="R4.1")
    changed = _object(ctx, key, department)
    if changed.closed_on is not None:
        raise ConflictError(f"object {key} was closed on {changed.closed_on}")
    changed.update(department=department, fields=dict(fields.raw))
    return Outcome([changed], {"object": key})


@command("directory.object.close", "Close (注销) one directory object.")
def close(ctx: Context) -> Outcome:
    department = require_operator(ctx)
    p = ctx.params
    key = p.text("object", max_length=64)
    closed_on = p.date("closed_on")
    reason = p.text("reason", max_length=500)
    p.done()
    changed = _object(ctx, key, department)
    if changed.closed_on is not None:
        raise ConflictError(f"object {key} was already closed on {changed.closed_on}")
    changed.close(department=department, closed_on=closed_on, reason=reason)
    return Outcome([changed], {"object": key, "closed_on": closed_on})
