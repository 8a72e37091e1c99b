"""Every area's projector, wired in one place: the topic -> handler table the runner uses.

One module per area, mirroring ``ledger/areas`` (an area without events to project,
such as ``notes``, has none). Each module builds its own ``HANDLERS`` table with a
local decorator and registers nothing elsewhere; :data:`AREAS` lists them and
:func:`merge` joins their tables, refusing a topic two areas claim. Adding a projector
for a new event: a handler in its area's module (a new area: one line in ``AREAS``).
"""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType

from projections.batch import Handler
from projections.projectors import (
    bodies,
    calendar,
    departments,
    directory,
    draws,
    inspections,
    inspectors,
    items,
    keys,
    notices,
    plans,
    reports,
    results,
    reviews,
    tasks,
    worklist,
)

AREAS: tuple[ModuleType, ...] = (
    keys,
    departments,
    calendar,
    items,
    directory,
    inspectors,
    plans,
    tasks,
    draws,
    inspections,
    results,
    reports,
    reviews,
    notices,
    worklist,
    bodies,
)


def merge(areas: Iterable[ModuleType]) -> dict[str, Handler]:
    """The areas' tables as one; a topic handled by two areas is a wiring error."""
    merged: dict[str, Handler] = {}
    owner: dict[str, str] = {}
    for area in areas:
        for topic, handler in area.HANDLERS.items():
            if topic in merged:
                raise ValueError(
                    f"topic {topic} is projected by both {owner[topic]} and {area.__name__}"
                )
            merged[topic], owner[topic] = handler, area.__name__
    return merged


#: topic -> handler, for every projected event.
HANDLERS: dict[str, Handler] = merge(AREAS)
