"""Integration fixtures, built from :mod:`tests.support`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.county import County
from tests.support.draws import drawable_county
from tests.support.world import World


@pytest.fixture
def drawable(world: World, tmp_path: Path) -> County:
    """The county with 600 objects and a task ready to draw (on both backends)."""
    return drawable_county(world, tmp_path)
