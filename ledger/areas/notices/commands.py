"""``notice.*``: the office names a unit in a notice (通报批评) and requires its
rectification by a date; the unit records the rectification as done (R10.2)."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.areas.departments.rules import load_department
from ledger.areas.notices.events import Notice
from ledger.commanding import Command, Context, Outcome, Route
from ledger.errors import ConflictError, NotFoundError, RuleViolationError, ValidationError
from ledger.fields import date, past_date, text
from ledger.i18n import _
from ledger.ids import notice_id
from ledger.roles import DEPARTMENT, OFFICE

NOTICE_ID = r"[A-Za-z0-9._-]{3,40}"

#: Kinds of unit a notice cannot name: they review the mechanism, they do not run it.
REVIEWERS = ("discipline", "audit")


@dataclass(frozen=True)
class IssueNotice(Command):
    """Issue a notice naming a unit (通报批评) with the rectification it requires (R10.2)."""

    ACTION = "notice.issue"
    ROLES = frozenset({OFFICE})
    ROUTE = Route("POST", "/api/v1/notices")
    RULE = "R10.2"

    notice: str = text(max_length=40, pattern=NOTICE_ID, description="The notice's number.")
    department: str = text(max_length=20, description="The unit named (被通报单位).")
    finding: str = text(
        max_length=5000, description="What was found: passive or inactive work (消极懈怠、不作为)."
    )
    rectification: str = text(max_length=5000, description="The rectification required (整改要求).")
    due: str = date(description="The day the rectification is due (整改期限).")
    rule: str = text(
        required=False, max_length=20, description="The rule not followed, e.g. R10.6."
    )

    def handle(self, ctx: Context) -> Outcome:
        named = load_department(ctx, self.department)
        if named.kind in REVIEWERS:
            raise RuleViolationError(
                _(
                    "{department} reviews the mechanism; a notice names a member unit",
                    department=self.department,
                ),
                rule="R10.2",
            )
        if self.due <= ctx.today.isoformat():
            raise ValidationError(
                _("the rectification is due after the notice is issued ({today})", today=ctx.today),
                {"due": [_("not after the day of issue")]},
            )
        if ctx.ledger.find(notice_id(self.notice)) is not None:
            raise ConflictError(_("notice {notice} already exists", notice=self.notice))
        issued = Notice(
            notice=self.notice,
            department=self.department,
            finding=self.finding,
            rectification=self.rectification,
            due=self.due,
            rule=self.rule or "R10.2",
            issued_on=ctx.today.isoformat(),
        )
        return Outcome([issued], {"notice": self.notice, "department": self.department})


@dataclass(frozen=True)
class RectifyNotice(Command):
    """Record the rectification a notice required as done (整改完成, R10.2)."""

    ACTION = "notice.rectify"
    ROLES = frozenset({DEPARTMENT})
    ROUTE = Route("POST", "/api/v1/notices/{notice}/rectification")
    RULE = "R10.2"

    notice: str = text(max_length=40, pattern=NOTICE_ID)
    done_on: str = past_date(description="The day the rectification was done.")
    account: str = text(max_length=10_000, description="What was done (整改情况).")

    def handle(self, ctx: Context) -> Outcome:
        found = ctx.ledger.find(notice_id(self.notice))
        if not isinstance(found, Notice):
            raise NotFoundError(_("no notice {notice}", notice=self.notice), rule="R10.2")
        ctx.require_department(found.department, rule="R10.2")
        if found.rectified is not None:
            raise ConflictError(
                _(
                    "notice {notice} was rectified on {done_on}",
                    notice=self.notice,
                    done_on=found.rectified["done_on"],
                ),
                rule="R10.2",
            )
        if self.done_on < found.issued_on:
            raise RuleViolationError(
                _(
                    "a rectification cannot be done before the notice ({issued_on})",
                    issued_on=found.issued_on,
                ),
                rule="R10.2",
            )
        found.rectify(done_on=self.done_on, account=self.account)
        late = self.done_on > found.due
        return Outcome([found], {"notice": self.notice, "done_on": self.done_on, "late": late})


COMMANDS = (IssueNotice, RectifyNotice)
