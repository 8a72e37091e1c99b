"""Stream ids derived from domain identifiers (uuid5), so a stream can be found by
what it is about -- a key id, a department code, a list version -- without an index.

Every kind of aggregate's id is computed here and only here: the formulas are part of
the ledger format (stored streams are found by them), and every layer -- the areas,
storage, the draw, the projections -- asks this one module.
"""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID, uuid5

#: The namespace of every derived stream id in this ledger format.
NAMESPACE = UUID("6f1c3a52-2d0e-4d8e-9a55-5c6b1f0a7e31")
GENESIS_ID = uuid5(NAMESPACE, "genesis")


@lru_cache(maxsize=1 << 16)
def stream_id(kind: str, *parts: str) -> UUID:
    """The stream id of the ``kind`` aggregate identified by ``parts`` (cached: a
    command's handler and the replay ask for the same few ids again and again)."""
    return uuid5(NAMESPACE, "/".join((kind, *parts)))


@lru_cache(maxsize=4096)
def key_stream_id(key_id: str) -> UUID:
    return stream_id("key", key_id)


def department_id(code: str) -> UUID:
    return stream_id("department", code)


def item_list_id(department: str) -> UUID:
    return stream_id("item-list", department)


def object_id(object_key: str) -> UUID:
    return stream_id("object", object_key)


def object_import_id(import_ref: str) -> UUID:
    """An object-directory import (begin, batches, complete)."""
    return stream_id("object-import", import_ref)


def batch_id(import_ref: str, seq: int) -> UUID:
    return stream_id("object-import-batch", import_ref, str(seq))


def inspector_id(person: str) -> UUID:
    return stream_id("inspector", person)


def plan_id(department: str, year: int) -> UUID:
    return stream_id("plan", department, str(year))


def task_id(task: str) -> UUID:
    return stream_id("task", task)


def draw_id(task: str, number: int) -> UUID:
    return stream_id("draw", task, str(number))


def credit_policy_id() -> UUID:
    """The office's credit policy: concentrated industries, yearly check caps (R5.3, R6.3)."""
    return stream_id("credit-policy")


def notice_id(notice: str) -> UUID:
    """A notice naming a unit (通报批评, R10.2)."""
    return stream_id("notice", notice)


def work_entry_id(department: str, entry: str) -> UUID:
    """An entry of a department's task ledger (工作任务台账, R10.3)."""
    return stream_id("work-entry", department, entry)


def collation_id(period: str) -> UUID:
    """The office's collation for the level above (R10.6)."""
    return stream_id("collation", period)


def appraisal_id(year: int) -> UUID:
    """The office's appraisal input for the government's performance appraisal (R10.2)."""
    return stream_id("appraisal", str(year))


def body_id(body: str) -> UUID:
    """A qualified third-party body (R8.1)."""
    return stream_id("body", body)


def inspection_id(basis: str, reference: str, object_key: str) -> UUID:
    return stream_id("inspection", basis, reference, object_key)


def report_id(department: str, kind: str, period: str) -> UUID:
    return stream_id("report", department, kind, period)


def review_id(kind: str, subject: str) -> UUID:
    return stream_id("review", kind, subject)


def note_id(command_digest: str, n: int = 0) -> UUID:
    """The ``n``-th note a command (by the SHA-256 of its evidence) appends (format 2;
    format-1 notes have random ids)."""
    return stream_id("note", command_digest, str(n))


def duty_rules_id(department: str) -> UUID:
    """A department's detailed rules on exemption and accountability (R10.4)."""
    return stream_id("duty-rules", department)


def object_problems_id(object_key: str) -> UUID:
    """The problems a market entity turned out to have (R10.4)."""
    return stream_id("object-problems", object_key)


def calendar_id() -> UUID:
    return stream_id("calendar")


def witness_policy_id() -> UUID:
    return stream_id("witness-policy")


def checkpoint_record_id(size: int) -> UUID:
    return stream_id("checkpoint", str(size))
