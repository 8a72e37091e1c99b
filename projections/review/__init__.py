"""The duty review (R10.4): 尽职照单免责、失职照单问责.

For a subject (an object, a task, a person, a department) the review gathers every
inspection the subject took part in, applies the rules of the list to each, judges the
joint visits' checklist items (``obligations``), and gives each party a verdict. It
reads the projections only; it never writes.

``facts`` (every look-up the review makes), ``rules`` (one function per rule, and the
registry that orders them: the table of rules is there), ``verdicts`` (parties,
defects, verdicts, settled reviews), ``analysis`` (the four factors weighed when an
entity turns out to have a problem), ``obligations`` (the joint visits' checklist
items, R6.1), ``render`` (the terminal text). :func:`review` is the entry
point.
"""

from __future__ import annotations

import datetime as dt

import sqlite_utils

from ledger.errors import NotFoundError, ValidationError
from ledger.i18n import _
from projections.read.trails import SUBJECT_KINDS, subject_exists
from projections.review.facts import Facts
from projections.review.obligations import review_obligations
from projections.review.rules import review_inspection
from projections.review.verdicts import Review, verdicts

__all__ = ["Review", "review"]


def review(db: sqlite_utils.Database, kind: str, subject: str, today: dt.date) -> Review:
    """The duty review of ``subject`` as of ``today``."""
    if kind not in SUBJECT_KINDS:
        raise ValidationError(
            _("unknown subject kind {kind!r}", kind=kind), {"kind": list(SUBJECT_KINDS)}
        )
    if not subject_exists(db, kind, subject):
        raise NotFoundError(_("no {kind} {subject} in the projections", kind=kind, subject=subject))
    facts = Facts(db, today)
    checks = [facts.check(row) for row in facts.inspections(kind, subject)]
    reviewed = [review_inspection(facts, check) for check in checks]
    owed = review_obligations(facts, kind, subject)
    return Review(
        kind,
        subject,
        today.isoformat(),
        reviewed,
        verdicts(facts, kind, subject, reviewed, checks, owed),
        owed,
    )
