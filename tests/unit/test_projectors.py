"""The projectors' wiring: one table per area, merged in one place, no topic twice."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from projections import projectors
from projections.batch import Batch, Handlers


def _noop(b: Batch, position: int, stream: str, s: dict[str, Any]) -> None:
    return None


def test_an_area_refuses_a_topic_twice() -> None:
    table = Handlers()
    table.on("shuangsui.x.happened")(_noop)
    with pytest.raises(ValueError, match="already has a handler"):
        table.on("shuangsui.x.happened")(_noop)


def test_merging_refuses_a_topic_two_areas_claim() -> None:
    one = SimpleNamespace(__name__="one", HANDLERS={"shuangsui.x.happened": _noop})
    two = SimpleNamespace(__name__="two", HANDLERS={"shuangsui.x.happened": _noop})
    with pytest.raises(ValueError, match="projected by both one and two"):
        projectors.merge([one, two])  # type: ignore[list-item]


def test_every_area_table_is_in_the_merged_table() -> None:
    for area in projectors.AREAS:
        assert area.HANDLERS, area.__name__
        for topic, handler in area.HANDLERS.items():
            assert projectors.HANDLERS[topic] is handler
    assert len(projectors.HANDLERS) == sum(len(a.HANDLERS) for a in projectors.AREAS)
