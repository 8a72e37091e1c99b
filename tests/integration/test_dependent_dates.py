"""Issue 11, part 6 -- domain dates cannot precede what they depend on (format 2):
``published_on`` >= ``formed_on`` >= ``checked_on`` >= the draw's date, and
``published_on`` within the signing window of the publication's ``created``.

The case the issue names: a department publishing with ``published_on`` before the
result was even formed (so the 20-working-day review judges it "pass") is refused.
"""

from __future__ import annotations

import datetime as dt

import pytest

from ledger.clock import CHINA
from ledger.errors import RuleViolationError
from ledger.i18n import render
from ledger.ids import draw_id
from tests.support.county import County, add_people, objects
from tests.support.draws import TASK, ceremony

CASE = {"kind": "case", "case": "TS-2026-0099", "trigger": "complaint", "reference": "12315"}
ITEM = "SCJGJ:SC-001"


@pytest.fixture
def county(drawable: County) -> County:
    add_people(drawable)
    return drawable


def check(county: County, obj: str, on: str, checked_on: str, basis: dict = CASE) -> None:
    county.run(
        "S1",
        "inspection.record",
        on=on,
        basis=basis,
        object=obj,
        item=ITEM,
        method="on_site",
        inspectors=["S1", "S2"],
        checked_on=checked_on,
    )


def enter(county: County, obj: str, on: str, formed_on: str) -> None:
    county.run(
        "S1",
        "result.enter",
        on=on,
        basis=CASE,
        object=obj,
        item=ITEM,
        result="violation",
        formed_on=formed_on,
    )


def publish(county: County, obj: str, on: str, published_on: str) -> None:
    county.run(
        "SCJGJ",
        "result.publish",
        on=on,
        basis=CASE,
        object=obj,
        item=ITEM,
        published_on=published_on,
    )


def test_publication_dated_before_the_result_was_formed_is_refused(county: County) -> None:
    """R9.1 / issue 11.6: published_on before formed_on would read as a timely publication."""
    obj = objects(county)[0]
    check(county, obj, "2026-03-02", "2026-03-02")
    enter(county, obj, "2026-04-20", "2026-04-20")
    size = county.ledger.head().position
    with pytest.raises(RuleViolationError) as refused:
        publish(county, obj, "2026-04-20", "2026-03-03")
    assert "published_on 2026-03-03" in refused.value.message
    assert "formed_on" in refused.value.message and "早于" in render(refused.value.message, "zh")
    assert refused.value.rule == "R9.1"
    assert county.ledger.head().position == size
    publish(county, obj, "2026-04-20", "2026-04-20")


def test_publication_dated_outside_the_signing_window_is_refused(county: County) -> None:
    """A publication is recorded the day it is made: not backdated past ``created``."""
    obj = objects(county)[0]
    check(county, obj, "2026-03-02", "2026-03-02")
    enter(county, obj, "2026-03-02", "2026-03-02")
    with pytest.raises(RuleViolationError, match="signing window"):
        publish(county, obj, "2026-04-20", "2026-03-03")
    # China midnight: signed 00:05 on 4 March (China time), dated 3 March, is in the window.
    just_after_midnight = int(dt.datetime(2026, 3, 4, 0, 5, tzinfo=CHINA).timestamp())
    county.run(
        "SCJGJ",
        "result.publish",
        on=just_after_midnight,
        basis=CASE,
        object=obj,
        item=ITEM,
        published_on="2026-03-03",
    )


def test_result_formed_before_the_check_is_refused(county: County) -> None:
    obj = objects(county)[0]
    check(county, obj, "2026-03-10", "2026-03-10")
    with pytest.raises(RuleViolationError, match="formed_on 2026-03-09") as refused:
        enter(county, obj, "2026-03-10", "2026-03-09")
    assert "checked_on" in refused.value.message
    enter(county, obj, "2026-03-10", "2026-03-10")


def test_check_dated_before_the_draw_is_refused(county: County) -> None:
    ceremony(county)
    performed = county.ledger.find(draw_id(TASK, 1)).performed
    drawn_on = dt.datetime.fromtimestamp(performed["run_at"], CHINA).date()
    first = performed["assignments"][0]
    obj, team = first["object"], list(first["team"])
    basis = {"kind": "draw", "task": TASK, "draw": 1}
    with pytest.raises(RuleViolationError, match="draw date") as refused:
        county.run(
            team[0],
            "inspection.record",
            basis=basis,
            object=obj,
            item=ITEM,
            method="on_site",
            inspectors=team,
            checked_on=(drawn_on - dt.timedelta(days=1)).isoformat(),
        )
    assert refused.value.rule == "R8.1"
    county.run(
        team[0],
        "inspection.record",
        basis=basis,
        object=obj,
        item=ITEM,
        method="on_site",
        inspectors=team,
        checked_on=drawn_on.isoformat(),
    )
