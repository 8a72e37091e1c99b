"""The inspector directory's rules (执法检查人员名录库, R4.2, R4.3, R7.3), written once.

Pure predicates over plain values (an inspector row is the dict of
:data:`INSPECTOR_FIELDS` a proposed change carries), used by the import file check
(``ledger.areas.directory.files``) and the ``inspectors.propose`` command. Invariants:
an enforcement officer (执法人员) holds a certificate number, its validity dates and
qualifications; an outside expert (专家) holds no enforcement credential. Whether an
officer is certified on a day is :func:`ledger.draw.eligibility.certified_on`: the
draw and the duty review ask it, and ``ledger.draw`` may not import ``ledger.areas``
(the areas import the draw; no cycles).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from ledger.areas.inspectors.events import KINDS, Inspector
from ledger.commanding import Context
from ledger.errors import RuleViolationError
from ledger.i18n import _
from ledger.ids import inspector_id

INSPECTOR_FIELDS = (
    "id",
    "name",
    "position",
    "unit",
    "section",
    "kind",
    "certificate",
    "certificate_from",
    "certificate_until",
    "qualifications",
    "expertise",
    "region",
    "key_id",
    "conflicts",
)
#: An enforcement certificate (执法证): its number and validity dates.
CREDENTIALS = ("certificate", "certificate_from", "certificate_until")


def officer_lacks(row: Mapping[str, Any]) -> list[str]:
    """What an enforcement officer (执法人员) must have but a row leaves empty (R4.2):
    of the certificate, its validity dates and the qualifications, in that order."""
    return [name for name in (*CREDENTIALS, "qualifications") if not row[name]]


def expert_holds(row: Mapping[str, Any]) -> list[str]:
    """The enforcement credentials an outside expert (专家) must not hold but a row
    gives (R4.3)."""
    return [name for name in CREDENTIALS if row[name]]


def certificate_reversed(valid_from: str, valid_until: str) -> bool:
    """Whether a certificate's validity ends before it starts; raises ``ValueError``
    (or ``TypeError``) unless both are ISO dates."""
    return dt.date.fromisoformat(valid_from) > dt.date.fromisoformat(valid_until)


def source_fields_lacking(row: Mapping[str, Any]) -> list[str]:
    """R4.2 as the source lists the directory's fields (姓名、职务、工作单位、执法证号、
    执法资质、业务专长): what an officer or a daily-supervision staff member leaves empty
    of 职务 (position) and 业务专长 (expertise); an outside expert, of 业务专长."""
    needed = ("expertise",) if row.get("kind") == "expert" else ("position", "expertise")
    return [name for name in needed if not row.get(name)]


def inspector_row_problems(
    row: dict[str, Any], department: str, *, source_fields: bool = False
) -> list[str]:
    """Why a normalised inspector row cannot be proposed (empty: it can).
    ``source_fields``: also require 职务 and 业务专长 (format 2, R4.2)."""
    if set(row) != set(INSPECTOR_FIELDS):
        return [f"fields must be exactly {', '.join(INSPECTOR_FIELDS)}"]
    problems: list[str] = []
    if not isinstance(row["id"], str) or not re.fullmatch(r"[A-Za-z0-9._-]{1,40}", row["id"]):
        problems.append(_("id must be 1-40 letters, digits, '.', '_' or '-'"))
    if not isinstance(row["name"], str) or not row["name"].strip():
        problems.append(_("name is required"))
    if row["unit"] != department:
        problems.append(
            _("unit must be the proposing department {department} (R7.3)", department=department)
        )
    if row["kind"] not in KINDS:
        problems.append(
            "kind must be officer, daily or expert (执法人员、从事日常监管工作的人员、专家)"
        )
    for name in ("qualifications", "expertise", "conflicts"):
        if not isinstance(row[name], list) or not all(isinstance(v, str) for v in row[name]):
            problems.append(_("{name} must be a list of texts", name=name))
    if row["key_id"] is not None and not (
        isinstance(row["key_id"], str) and re.fullmatch(r"[0-9a-f]{16}", row["key_id"])
    ):
        problems.append(_("key_id must be 16 lower-case hex digits"))
    if row["kind"] == "officer":
        lacking = officer_lacks(row)
        if "certificate" in lacking:
            problems.append("an enforcement officer needs a certificate number (执法证号, R4.2)")
        try:
            if certificate_reversed(row["certificate_from"], row["certificate_until"]):
                problems.append(_("certificate_from is after certificate_until"))
        except (TypeError, ValueError):
            problems.append(_("certificate dates must be YYYY-MM-DD"))
        if "qualifications" in lacking:
            problems.append("an enforcement officer needs qualifications (执法资质)")
    elif row["kind"] == "expert" and "certificate" in expert_holds(row):
        problems.append(_("an outside expert holds no enforcement certificate (R4.3)"))
    elif row["kind"] == "daily" and row["certificate"]:
        # Daily-supervision staff may hold an enforcement certificate: then with its dates.
        try:
            if certificate_reversed(row["certificate_from"], row["certificate_until"]):
                problems.append(_("certificate_from is after certificate_until"))
        except (TypeError, ValueError):
            problems.append(_("certificate dates must be YYYY-MM-DD"))
    if source_fields:
        for name in source_fields_lacking(row):
            label = "职务" if name == "position" else "业务专长"
            problems.append(
                _(
                    "{name} ({label}) is required (R4.2: the directory lists it)",
                    name=name,
                    label=label,
                )
            )
    return problems


def inspectors_of(ctx: Context, department: str, people: tuple[str, ...]) -> None:
    """Contributed inspectors must be effective in the department's directory (R7.3, R4.2)."""
    for person in people:
        record = ctx.ledger.find(inspector_id(person))
        if (
            not isinstance(record, Inspector)
            or not record.active
            or (record.department != department)
        ):
            raise RuleViolationError(
                _(
                    "{person} is not an approved inspector of {department}",
                    person=person,
                    department=department,
                ),
                rule="R7.3",
            )
