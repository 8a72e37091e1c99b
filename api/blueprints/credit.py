"""The ``credit`` area's routes: the office's credit policy (信用监管规则, R5.3, R6.3).

Its write route (``POST /api/v1/credit/policy``) is generated from the area's typed
command (:mod:`api.blueprints`). The policy in force and every earlier version are
public (``GET /api/v1/credit/policy``, the page ``/credit``): each enterprise's yearly
number of checks is capped *and published* (每户每年检查次数上限，向社会公开).
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from api import schemas as s
from api.blueprints.common import service
from ledger.areas.credit.events import CreditPolicy
from ledger.ids import credit_policy_id

blp = Blueprint(
    "credit",
    __name__,
    description="The credit policy: concentrated industries, yearly check caps (R5.3, R6.3).",
)


def policy_document(ledger: Any) -> dict[str, Any]:
    """The policy as published: the version in force (the last; None before the office
    set one) and every version, oldest first, read from the log itself."""
    found = ledger.find(credit_policy_id())
    versions = list(found.versions) if isinstance(found, CreditPolicy) else []
    return {"in_force": versions[-1] if versions else None, "versions": versions}


@blp.route("/api/v1/credit/policy", methods=["GET"])
@blp.response(200, s.CreditPolicyDocument)
def published_credit_policy() -> Any:
    """The credit policy in force and its history: the yearly check cap per object
    (每户每年检查次数上限, R6.3) and the threshold that makes an industry's violations
    concentrated (违法违规行为相对集中, R5.3). Public: no signature."""
    return policy_document(service().ledger)
