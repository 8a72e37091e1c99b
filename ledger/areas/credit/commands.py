"""``credit.*``: the office sets the credit policy the draws read (R5.3, R6.3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.areas.credit.events import CreditPolicy
from ledger.commanding import Command, Context, Outcome, Route
from ledger.errors import ValidationError
from ledger.fields import integer, nested, ratio, shape_of, text
from ledger.i18n import _
from ledger.ids import credit_policy_id
from ledger.params import Params
from ledger.roles import OFFICE


def read_concentration(p: Params | None) -> dict[str, Any] | None:
    """When an industry's violations count as concentrated (R5.3): at least
    ``min_objects`` of its objects, and at least ``min_share`` of them, have a violation,
    penalty case or judicial referral on record within the last ``years``."""
    if p is None:
        return None
    return {
        "min_objects": p.integer("min_objects", minimum=1, maximum=1_000_000),
        "min_share": p.ratio("min_share"),
        "years": p.integer("years", minimum=1, maximum=10),
    }


@dataclass(frozen=True)
class SetCreditPolicy(Command):
    """Set the credit policy: which industries have concentrated violations, and the
    yearly check cap per object (R5.3, R6.3).

    A new version replaces the one before for every draw committed after it. An industry
    whose violations are concentrated becomes part of the directed stratum (定向抽查) of
    a task that asks for it (``directed.industries``); an object already checked
    ``yearly_cap`` times in the calendar year of a draw's inspection date -- by draws or
    case checks (个案处理) alike -- is not drawn again that year (防止检查过多和执法扰民)."""

    ACTION = "credit.policy"
    ROLES = frozenset({OFFICE})
    ROUTE = Route("POST", "/api/v1/credit/policy")
    RULE = "R5.3"

    concentration: dict[str, Any] | None = nested(
        read_concentration,
        required=False,
        description="违法违规行为相对集中的行业: the threshold (R5.3).",
        shape=shape_of(
            min_objects=integer(minimum=1, maximum=1_000_000),
            min_share=ratio(),
            years=integer(minimum=1, maximum=10),
        ),
    )
    yearly_cap: int = integer(
        required=False,
        minimum=1,
        maximum=100,
        description="Checks per object per calendar year, draws and case checks counted "
        "(每户每年检查次数上限, R6.3).",
    )
    reason: str = text(max_length=2000, description="Why (e.g. the meeting's decision).")

    def handle(self, ctx: Context) -> Outcome:
        if self.concentration is None and not self.yearly_cap:
            raise ValidationError(
                _("a credit policy sets a concentration threshold, a yearly check cap or both"),
                {"concentration": [_("or yearly_cap")]},
            )
        found = ctx.ledger.find(credit_policy_id())
        policy = found if isinstance(found, CreditPolicy) else CreditPolicy(office=ctx.actor_id)
        version = len(policy.versions) + 1
        policy.set(
            version=version,
            concentration=self.concentration,
            yearly_cap=self.yearly_cap or None,
            reason=self.reason,
            effective_on=ctx.today.isoformat(),
        )
        return Outcome(
            [policy],
            {
                "version": version,
                "concentration": self.concentration,
                "yearly_cap": self.yearly_cap or None,
            },
        )


COMMANDS = (SetCreditPolicy,)
