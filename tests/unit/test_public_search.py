"""R9.1 (一公开): the public feed's name search. Three characters or more go through the
trigram index (projections/store.py SEARCH), shorter ones through LIKE; both mean "the
name holds this text", and the index is kept by triggers as rows come and go."""

from __future__ import annotations

from pathlib import Path

import pytest

from projections.read.public import feed
from projections.store import SEARCH, Store
from projections.verify import search_index_sound

NAMES = ["安岳县普州食品有限公司", "岳阳兴隆超市", "100%纯净水厂", 'Quote"Trade Co', "周礼药房"]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "p.sqlite3")
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO publications VALUES (?,?,?,?,?,?,?,?)",
            [
                (
                    i,
                    f"OBJ-{i}",
                    name,
                    "SCJGJ",
                    "SCJGJ:SC-001",
                    "no_problem",
                    "2026-05-01",
                    "2026-05-02",
                )
                for i, name in enumerate(NAMES, 1)
            ],
        )
    return store


def found(store: Store, q: str) -> list[str]:
    return [r["name"] for r in feed(store.db, q=q)["items"]]


@pytest.mark.parametrize(
    ("q", "names"),
    [
        ("普州食品", ["安岳县普州食品有限公司"]),  # the index
        ("有限公司", ["安岳县普州食品有限公司"]),
        ("岳", ["岳阳兴隆超市", "安岳县普州食品有限公司"]),  # one character: LIKE, newest first
        ("超市", ["岳阳兴隆超市"]),  # two characters: LIKE
        ("100%", ["100%纯净水厂"]),  # % is a character, not a wildcard
        ("0%纯", ["100%纯净水厂"]),
        ('e"Tr', ['Quote"Trade Co']),  # a quote cannot break the index query
        ("trade", ['Quote"Trade Co']),  # ASCII case folds, as LIKE does
        ("不存在的名字", []),
        ("OBJ-5", ["周礼药房"]),  # an object's own key
        ("   药房  ", ["周礼药房"]),
    ],
)
def test_name_search(store: Store, q: str, names: list[str]) -> None:
    assert found(store, q) == names


def test_the_index_follows_rows_and_filters_and_paging_still_apply(store: Store) -> None:
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO publications VALUES (9,'OBJ-9','普州食品二厂','SWJ','SWJ:S-1',"
            "'corrected','2026-06-01','2026-06-02')"
        )
    assert found(store, "普州食品") == ["普州食品二厂", "安岳县普州食品有限公司"]
    assert [r["position"] for r in feed(store.db, q="普州食品", department="SWJ")["items"]] == [9]
    first = feed(store.db, q="普州食品", limit=1)
    assert first["next"] == 9
    assert found_before(store, "普州食品", 9) == ["安岳县普州食品有限公司"]
    with store.transaction() as conn:
        conn.execute("DELETE FROM publications WHERE position = 9")
    assert found(store, "普州食品") == ["安岳县普州食品有限公司"]
    assert search_index_sound(store)


def found_before(store: Store, q: str, before: int) -> list[str]:
    return [r["name"] for r in feed(store.db, q=q, before=before)["items"]]


def test_a_file_made_before_the_index_is_indexed_when_opened(store: Store) -> None:
    store.db.conn.execute(f"DROP TABLE {SEARCH}")
    reopened = Store(store.path)
    assert found(reopened, "普州食品") == ["安岳县普州食品有限公司"]
    assert search_index_sound(reopened)


def test_a_name_hidden_from_the_index_is_caught(store: Store) -> None:
    store.db.conn.execute(
        f"INSERT INTO {SEARCH}({SEARCH}, rowid, name) VALUES ('delete', 1, '{NAMES[0]}')"
    )
    assert found(store, "普州食品") == []
    assert not search_index_sound(store)
