"""The ``calendar`` area's routes: The working-day calendar's amendments (calendar.amend).

It has no reads of its own; its write routes are generated from the area's typed
commands (:mod:`api.blueprints`).
"""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "calendar", __name__, description="The working-day calendar's amendments (calendar.amend)."
)
