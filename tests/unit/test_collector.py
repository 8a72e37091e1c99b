"""ledger.audit.collector.young_collections_only: verify's walk runs without full
collections (issue 15: full collections made the verify rate fall as the log grew)
and the collector's thresholds come back as they were, after nesting and after errors."""

from __future__ import annotations

import gc
import threading

import pytest

from ledger.audit.collector import young_collections_only


def test_it_stops_full_collections_keeps_young_ones_and_nests() -> None:
    before = gc.get_threshold()
    with young_collections_only():
        young, middle, old = gc.get_threshold()
        assert (young, middle) == before[:2] and old > 10**8
        assert gc.isenabled()
        with young_collections_only():
            assert gc.get_threshold()[2] == old
        assert gc.get_threshold()[2] == old  # the inner exit left the outer's setting
    assert gc.get_threshold() == before


def test_it_restores_the_threshold_after_an_error() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), young_collections_only():
        raise RuntimeError("the walk failed")
    assert gc.get_threshold() == before


def test_threads_share_it_and_the_last_to_leave_restores() -> None:
    before = gc.get_threshold()
    inside, leave = threading.Event(), threading.Event()

    def walk() -> None:
        with young_collections_only():
            inside.set()
            leave.wait(10)

    other = threading.Thread(target=walk)
    other.start()
    assert inside.wait(10)
    with young_collections_only():
        pass
    assert gc.get_threshold()[2] > 10**8  # the other walk is still running
    leave.set()
    other.join(10)
    assert gc.get_threshold() == before
