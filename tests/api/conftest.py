"""The API fixtures, built from :mod:`tests.support.api`: an app over a small county."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.api import Api, make_api
from tests.support.world import World


@pytest.fixture
def api(world: World) -> Iterator[Api]:
    made = make_api(world)
    yield made
    made.app.extensions["shuangsui"].close()


@pytest.fixture
def sqlite_api(sqlite_world: World) -> Iterator[Api]:
    made = make_api(sqlite_world)
    yield made
    made.app.extensions["shuangsui"].close()
