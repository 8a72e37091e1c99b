"""Reading the log by topic through the topic index (issue 15 part 4), on both backends.

The draw reads only the events of the topics it folds: each topic through its index,
the topics merged by position. The result must be exactly what the old reading gave
(a scan of the chain in position order, keeping the topics asked for), for any page
size and any bound; and the index must really be used, so a draw's reading does not
grow with the events of other topics.
"""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

import pytest

from ledger.draw.world import DIRECTORY_TOPICS, DRAW_TOPICS, SNAPSHOT_TOPICS
from ledger.errors import StorageError
from tests.support.county import County
from tests.support.draws import ceremony


def scanned(county: County, topics: tuple[str, ...], up_to: int | None = None) -> list[Any]:
    """The old reading: the chain in position order, the topics kept."""
    chain = county.world.ledger.chain
    out: list[Any] = []
    after = 0
    while rows := chain.select_topic_events(topics, after, 7, up_to):
        out += [(p, s, t, json.loads(state)) for p, s, t, state in rows]
        after = rows[-1][0]
    return out


def test_reading_by_topic_equals_the_chain_scan(drawable: County) -> None:
    ceremony(drawable)
    ledger = drawable.world.ledger
    head = ledger.head().position
    for topics in (SNAPSHOT_TOPICS, DIRECTORY_TOPICS, DRAW_TOPICS, ("shuangsui.task.created",)):
        expected = scanned(drawable, topics)
        assert expected, topics
        for page in (1, 2, 3, 100):
            assert list(ledger.topic_events(topics, page=page)) == expected
        for up_to in (1, head // 2, head - 1, head):
            assert list(ledger.topic_events(topics, up_to=up_to, page=3)) == scanned(
                drawable, topics, up_to
            )
    assert list(ledger.topic_events(("no.such.topic",))) == []
    # Pages shrink to hold about PAGE_BYTES of states: the same events, however small.
    with mock.patch("ledger.application.PAGE_BYTES", 1):
        assert list(ledger.topic_events(SNAPSHOT_TOPICS, page=50)) == scanned(
            drawable, SNAPSHOT_TOPICS
        )
    # A topic asked for twice is read once.
    twice = list(ledger.topic_events(("shuangsui.task.created", "shuangsui.task.created")))
    assert twice == scanned(drawable, ("shuangsui.task.created",))


def test_reading_some_streams_decodes_only_theirs(drawable: County) -> None:
    """Issue 15.4: verify-draw and draw.run read one task's draw streams, not every
    draw's results: the events are those of the streams asked for, in log order, and
    the other streams' states are never decoded."""
    ceremony(drawable)
    ledger = drawable.world.ledger
    every = scanned(drawable, DRAW_TOPICS)
    stream = every[0][1]
    assert any(e[1] != stream for e in scanned(drawable, SNAPSHOT_TOPICS))
    for topics, streams in ((DRAW_TOPICS, {stream}), (SNAPSHOT_TOPICS, {stream, "none"})):
        expected = [e for e in scanned(drawable, topics) if e[1] in streams]
        assert list(ledger.topic_events(topics, streams=streams)) == expected
    assert list(ledger.topic_events(DRAW_TOPICS, streams=())) == []
    decoded: list[Any] = []
    real = json.loads
    with mock.patch("ledger.application.loads", lambda data: decoded.append(1) or real(data)):
        held = list(ledger.topic_events(SNAPSHOT_TOPICS, streams={stream}))
    assert len(decoded) == len(held) == len([e for e in every if e[1] == stream])


def test_disagreeing_event_and_chain_order_is_refused(drawable: County) -> None:
    """Notification order is chain order (one writer at a time); were it not, the
    merge by position would be wrong, so the reader says so instead of folding."""
    ceremony(drawable)  # two witnesses: two events of one topic
    ledger = drawable.world.ledger
    real = ledger.chain.select_events_of_topic

    def swapped(topic: str, after: int, limit: int, up_to: int | None = None) -> Any:
        rows = real(topic, after, limit, up_to)
        return list(reversed(rows))

    ledger.chain.select_events_of_topic = swapped  # type: ignore[method-assign]
    try:
        with pytest.raises(StorageError, match="event order and chain order disagree"):
            list(ledger.topic_events(DRAW_TOPICS, page=1000))
    finally:
        del ledger.chain.select_events_of_topic


def test_the_topic_read_uses_the_indexes(drawable: County) -> None:
    ledger = drawable.world.ledger
    if ledger.settings.database_url is not None:
        pytest.skip("the plan checked is SQLite's (PostgreSQL plans by its statistics)")
    plan = ledger.chain.query(
        "EXPLAIN QUERY PLAN SELECT e.{event_id}, c.position, e.originator_id, e.state "
        "FROM {events} e JOIN {chain} c ON c.notification_id = e.{event_id} "
        "WHERE e.topic = ? AND e.{event_id} > ? ORDER BY e.{event_id} LIMIT ?",
        ("shuangsui.directory.batch_rows", 0, 10),
    )
    text = " ".join(str(row[-1]) for row in plan)
    assert "INDEX stored_events_topic" in text, text
    assert "INDEX ledger_chain_event" in text, text
    assert "SCAN" not in text, text
