"""The ``notes`` area's routes: Signed free-text notes (note.append).

It has no reads of its own; its write routes are generated from the area's typed
commands (:mod:`api.blueprints`).
"""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("notes", __name__, description="Signed free-text notes (note.append).")
