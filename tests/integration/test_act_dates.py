"""A trail shows each act's own date beside the time the log recorded it (issue 14 §3:
"trail shows the server's clock instead of the acts' dates"; R10.4, R2.2 全程留痕).

The inspection below is checked on 6 March and its result formed on 9 March, each
entered days later; the trail gives both dates, each labelled.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from eventsourcing.utils import resolve_topic

from projections.acts import ACT_DATES, act_label
from projections.read.trails import trail
from projections.runner import update
from projections.store import SCHEMA_VERSION, Store
from tests.support.cli import ok
from tests.support.county import County, add_people, objects

CASE = {"kind": "case", "case": "TS-2026-0100", "trigger": "complaint", "reference": "12315"}
ITEM = "SCJGJ:SC-001"


@pytest.fixture
def inspected(drawable: County) -> tuple[County, str]:
    county = drawable
    add_people(county)
    obj = objects(county)[0]
    at = {"basis": CASE, "object": obj, "item": ITEM}
    county.run(
        "S1",
        "inspection.record",
        on="2026-03-10",
        **at,
        method="on_site",
        inspectors=["S1", "S2"],
        checked_on="2026-03-06",
    )
    county.run(
        "S1", "result.enter", on="2026-03-11", **at, result="violation", formed_on="2026-03-09"
    )
    county.run("SCJGJ", "result.publish", on="2026-03-18", **at, published_on="2026-03-18")
    return county, obj


def test_the_trail_gives_each_acts_own_date_beside_the_log_time(
    inspected: tuple[County, str], tmp_path: Path
) -> None:
    county, obj = inspected
    store = Store(tmp_path / "p.sqlite3")
    try:
        update(county.ledger, store)
        entries = {e.topic: e for e in trail(store.db, "object", obj, dt.date(2026, 12, 31))}
    finally:
        store.close()
    checked = entries["shuangsui.inspection.checked"]
    assert checked.time.startswith("2026-03-") and not checked.time.startswith("2026-03-06")
    assert (checked.act_date, checked.act_date_label) == ("2026-03-06", "检查日期 / checked on")
    formed = entries["shuangsui.inspection.result"]
    assert (formed.act_date, formed.act_date_label) == (
        "2026-03-09",
        "结果形成日期 / result formed on",
    )
    published = entries["shuangsui.inspection.published"]
    assert published.act_date == "2026-03-18" and "published on" in str(published.act_date_label)
    opened = entries["shuangsui.inspection.opened"]  # an act with no date of its own
    assert opened.act_date is None and opened.act_date_label is None

    shown = ok(county.world.settings, "trail", "--object", obj).output
    assert "logged at (UTC)" in shown and "记录时间" in shown and "业务日期" in shown
    assert "检查日期 / checked on: 2026-03-06" in shown
    assert "结果形成日期 / result formed on: 2026-03-09" in shown
    rows = json.loads(ok(county.world.settings, "trail", "--object", obj, "--json").stdout)
    assert {r["act_date"] for r in rows if r["topic"] == "shuangsui.inspection.checked"} == {
        "2026-03-06"
    }


def test_every_act_date_names_a_field_its_event_declares() -> None:
    """The table of act dates refers to real fields (a renamed field would show nothing)."""
    for topic, (field, chinese, english) in ACT_DATES.items():
        cls = resolve_topic(topic)
        assert cls.TOPIC == topic
        declared: dict[str, object] = {}
        for base in reversed(cls.__mro__):
            declared.update(getattr(base, "__annotations__", {}))
        assert field in declared, (topic, field)
        assert chinese and english and act_label(topic) == f"{chinese} / {english}"


def test_a_projection_file_built_before_act_dates_is_rebuilt_when_opened(
    inspected: tuple[County, str], tmp_path: Path
) -> None:
    county, _ = inspected
    path = tmp_path / "p.sqlite3"
    store = Store(path)
    update(county.ledger, store)
    expected = list(store.db.query("SELECT * FROM entry_dates ORDER BY position"))
    assert expected
    # As the code before the table left it: no table, schema version 1.
    store.db.execute("DROP TABLE entry_dates")
    store.db.execute("PRAGMA user_version = 1")
    store.close()
    reopened = Store(path)
    try:
        assert reopened.position() == 0  # every read model is replayed from the log
        assert reopened.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        update(county.ledger, reopened)
        assert list(reopened.db.query("SELECT * FROM entry_dates ORDER BY position")) == expected
    finally:
        reopened.close()
