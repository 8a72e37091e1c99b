"""Integration fixtures, built from :mod:`tests.support`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger import formats
from ledger.config import Settings
from tests.support.county import County
from tests.support.draws import drawable_county
from tests.support.world import World, start_world


@pytest.fixture
def drawable(world: World, tmp_path: Path) -> County:
    """The county with 600 objects and a task ready to draw (on both backends)."""
    return drawable_county(world, tmp_path)


@pytest.fixture
def drawable_2023(settings: Settings, tmp_path: Path) -> Iterator[County]:
    """The drawable county set up on 1 September 2023, before drand quicknet's round
    657413 (September 2023): from format 2 the log's signed times only move forward
    (issue 11 part 6), so a draw dated then needs a county that existed then."""
    world = start_world(settings, on="2023-09-01")
    yield drawable_county(world, tmp_path, on="2023-09-01")
    world.ledger.close()


@pytest.fixture
def format_4(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ledgers the test starts are of format 4 at least -- the rules added after
    format-3 ledgers existed -- whatever :data:`ledger.formats.CURRENT` says. List it
    before the fixtures that start a ledger (or ``pytest.mark.usefixtures``)."""
    if formats.CURRENT < 4:
        monkeypatch.setattr(formats, "CURRENT", 4)
