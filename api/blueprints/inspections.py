"""The ``inspections`` area's routes: Inspections of one object for one item (R8.1, R1.1).

It has no reads of its own; its write routes are generated from the area's typed
commands (:mod:`api.blueprints`).
"""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "inspections", __name__, description="Inspections of one object for one item (R8.1, R1.1)."
)
