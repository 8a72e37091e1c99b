"""Which subjects an event names: the trail index of the state map (issue 11 part 4).

A trail (R10.4) is every entry that touched an object, a task, a person or a
department. The projections decide that with what they have already read; a slice
must instead *prove* it holds all of it. So the state map indexes, per subject, the
streams whose events name it, and a trail bundle holds every one of those streams
whole -- a superset of the projected trail that an auditor can check alone.

An event *names* a subject when its stored state (JSON) holds, at any depth, a text
value under one of the :data:`FIELDS` (``object``/``object_key`` an object; ``person``,
``entered_by``, ``replacement``, ``inspectors``/``team`` lists of people;
``department``, ``organisation``, ``lead``, ``participants`` departments; ``task``), or a
``{"kind": k, "id": i}`` subject of one of the four kinds.

From ledger format 4 (:data:`OWN_STREAM_FORMAT`) a department's registration
(``department.registered``, which names it by ``code``) names the department too, so
its own stream (registration, sections) is in its trail.

Invariants: :func:`named` is a pure function of the stored bytes, the entry's type and
the ledger's format (unreadable JSON names nothing), so the writer, the exporter and
every verifier compute the same index; the index value of a subject is
``"<count> <last position> <base64 digest>"`` over its streams in the order they first
named it (:func:`subject_step`).
"""

from __future__ import annotations

import hashlib
import json
from itertools import chain, compress
from typing import Any

SUBJECT_KINDS = ("object", "task", "person", "department")
FIELDS = {
    "object": "object",
    "object_key": "object",
    "person": "person",
    "entered_by": "person",
    "replacement": "person",
    "inspectors": "person",
    "team": "person",
    "department": "department",
    "organisation": "department",
    "lead": "department",
    "participants": "department",
    "task": "task",
}
_MAX_DEPTH = 6
_LIST = frozenset({list})
#: The first ledger format whose trail index holds a department's own stream.
OWN_STREAM_FORMAT = 4
#: ``ledger.areas.departments``' registration (repeated: the auditor imports no area).
DEPARTMENT_REGISTERED_TOPIC = "shuangsui.department.registered"


def subject_key(kind: str, ident: str) -> str:
    return f"subject/{kind}/{ident}"


def subject_step(digest: bytes, stream: str) -> bytes:
    return hashlib.sha256(digest + stream.encode("utf-8")).digest()


def named(state: bytes, topic: str = "", ledger_format: int = 1) -> set[tuple[str, str]]:
    """The (kind, id) subjects an event's stored state names (of type ``topic``, in a
    ledger of ``ledger_format``)."""
    try:
        value = json.loads(state)
    except (ValueError, UnicodeDecodeError):
        return set()
    return named_in(value, topic, ledger_format)


def named_in(value: Any, topic: str = "", ledger_format: int = 1) -> set[tuple[str, str]]:
    """:func:`named` of an event state already decoded (``json.loads``' value, or one
    equal to it): for a caller that decodes faster and reads each entry once."""
    found: set[tuple[str, str]] = set()
    _walk(value, found, 0)
    if (
        ledger_format >= OWN_STREAM_FORMAT
        and topic == DEPARTMENT_REGISTERED_TOPIC
        and type(value) is dict
    ):
        code = value.get("code")
        if type(code) is str and code:
            found.add(("department", code))
    return found


def _walk(value: Any, found: set[tuple[str, str]], depth: int) -> None:
    # ``type(x) is`` rather than isinstance: this runs on every entry a full verification
    # reads (JSON gives exact dicts, lists and strs).
    if depth > _MAX_DEPTH:
        return
    if type(value) is dict:
        if "kind" in value:
            kind, ident = value["kind"], value.get("id")
            if kind in SUBJECT_KINDS and type(ident) is str and ident:
                found.add((kind, ident))
        for name, item in value.items():
            kind_of = type(item)
            subject = FIELDS.get(name)
            if subject is not None:
                if kind_of is str:
                    if item:
                        found.add((subject, item))
                elif kind_of is list:
                    for text in item:
                        if type(text) is str and text:
                            found.add((subject, text))
            if kind_of is dict or kind_of is list:
                _walk(item, found, depth + 1)
    elif type(value) is list:
        kinds = set(map(type, value))
        if dict in kinds:
            for item in value:
                kind_of = type(item)
                if kind_of is dict or kind_of is list:
                    _walk(item, found, depth + 1)
        elif list in kinds:
            # Only lists inside (a batch's rows): walking each at depth + 1 finds what
            # walking them all as one list there does, with one call instead of a
            # thousand. A list of scalars names nothing.
            inner = compress(value, map(_LIST.__contains__, map(type, value)))
            _walk(list(chain.from_iterable(inner)), found, depth + 1)
