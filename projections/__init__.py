"""Read models built from the log with sqlite-utils, in their own SQLite file.

``store`` (the file and its tables), ``batch`` (applying one batch of entries),
``projectors`` (one projector per area, merged into one topic -> handler table),
``runner`` (update / rebuild), ``read`` (every read: one module per area, plus the
deadline board and the trails) and ``review`` (the duty review, R10.4). A projection
never writes to the log; it can be dropped and rebuilt at any time. ``projections``
imports ``ledger``, never ``api`` or ``tools``.
"""

from pathlib import Path

PROJECTIONS_FILE = "projections.sqlite3"


def projection_path(home: Path) -> Path:
    return home / PROJECTIONS_FILE
