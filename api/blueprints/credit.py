"""The ``credit`` area's routes: the office's credit policy (信用监管规则, R5.3, R6.3).

Its write route (``POST /api/v1/credit/policy``) is generated from the area's typed
command (:mod:`api.blueprints`); the policy in force is read with ``shuangsui credit show``.
"""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "credit",
    __name__,
    description="The credit policy: concentrated industries, yearly check caps (R5.3, R6.3).",
)
