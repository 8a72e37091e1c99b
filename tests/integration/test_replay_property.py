"""Property (issue 11.1): any extra, missing or altered event under a valid signature is
caught by replay.

A county's log is read once; each example rewrites one command as the operator would --
an event added under its evidence, one of its events dropped, or one event's stored
bytes changed -- then re-links and re-seals that command and every one after it with the
ledger key. The chain checks see nothing wrong when the event is not a key event (they
check hashes, links, seals and signatures, all redone); the replay must name a position
inside the rewritten command.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID, uuid5

import pytest
from eventsourcing.persistence import StoredEvent
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.audit.keystate import GENESIS_TOPIC, KEY_CHANGE_TOPICS
from ledger.audit.report import EVENTS_NOT_PRODUCED, MISSING_EVENTS, ChainRow, StoredEventRow
from ledger.audit.signatures import verify_rows
from ledger.authorisation import Authorisation
from ledger.bootstrap import registry, route_table
from ledger.config import Settings
from ledger.replay import replay
from ledger.replay.verifier import commands_of
from ledger.storage.chain import ChainHead, EventMeta, seal
from ledger.transparency.database import iter_chain
from tests.support.county import add_people, build_county
from tests.support.world import start_world
from tests.vectors.testkeys import fixed_key

LEDGER_KEY = fixed_key("ledger")


@dataclass(frozen=True, repr=False)
class Log:
    commands: list[list[ChainRow]]

    def __repr__(self) -> str:
        return f"Log({len(self.commands)} commands)"


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Log:
    home: Path = tmp_path_factory.mktemp("replay-property")
    world = start_world(Settings(home=home))
    county = build_county(world)
    add_people(county)
    for n in range(3):
        county.run("SCJGJ", "note.append", text=f"纪要 {n}")
    county.run("office", "calendar.amend", days={"2026-10-10": True}, declare_years=[], note="调休")
    new = fixed_key("property rotated")
    county.run(
        "SCJGJ", "key.rotate", key_id=county.key("SCJGJ").key_id, public_key=new.public.public_b64
    )
    rows = list(iter_chain(world.ledger))
    world.ledger.close()
    assert replay(rows, registry(), route_table())
    return Log(list(commands_of(rows)))


def stored_of(row: ChainRow) -> StoredEvent:
    assert row.event is not None
    return StoredEvent(
        originator_id=UUID(row.event.stream),
        originator_version=row.event.version,
        topic=row.event.topic,
        state=row.event.state,
    )


def meta_of(row: ChainRow) -> EventMeta:
    entry = json.loads(row.entry)
    return EventMeta(schema=entry["schema"], time=entry["time"])


def reseal(
    commands: list[list[tuple[StoredEvent, EventMeta]]], evidence: list[bytes], start: ChainRow
) -> Iterator[ChainRow]:
    """Link and seal the commands after ``start`` with the ledger key, as the recorder
    would have (notification ids keep increasing)."""
    head = ChainHead(start.position, start.entry_hash)
    nid = start.notification_id
    routes = route_table()
    for events, command in zip(commands, evidence, strict=True):
        auth = Authorisation.from_evidence(command, routes)
        stored = [s for s, _ in events]
        ids = list(range(nid + 1, nid + 1 + len(stored)))
        sealed = seal(head, stored, ids, [m for _, m in events], auth, LEDGER_KEY)
        for row, event in zip(sealed, stored, strict=True):
            yield ChainRow(
                position=row.position,
                entry=row.entry,
                entry_hash=row.entry_hash,
                command=row.command,
                actor_key=row.actor_key,
                nonce=row.nonce,
                signer=row.signer,
                signature=row.signature,
                event=StoredEventRow(
                    str(event.originator_id), event.originator_version, event.topic, event.state
                ),
                notification_id=row.notification_id,
            )
        head = ChainHead(sealed[-1].position, sealed[-1].entry_hash)
        nid = ids[-1]


def altered(event: StoredEvent, pick: int) -> StoredEvent:
    """The event with one of its text values changed (or, with none, re-spaced bytes)."""
    state = json.loads(event.state)
    texts = [k for k, v in state.items() if isinstance(v, str) and k != "originator_topic"]
    if texts:
        key = texts[pick % len(texts)]
        state[key] = state[key] + "x"
        data = json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode()
    else:
        data = json.dumps(state, ensure_ascii=False, indent=1).encode()
    return StoredEvent(event.originator_id, event.originator_version, event.topic, data)


def extra_note(like: StoredEvent, n: int) -> StoredEvent:
    """A note event no command asked for, stamped like ``like``."""
    time = json.loads(like.state).get("timestamp")
    state = {
        "timestamp": time,
        "originator_topic": "shuangsui.note",
        "text": f"forged {n}",
        "author": "nobody",
    }
    return StoredEvent(
        uuid5(UUID(int=0), f"forged/{n}"),
        1,
        "shuangsui.note.appended",
        json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode(),
    )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    which=st.integers(min_value=1, max_value=10_000),
    kind=st.sampled_from(["extra", "missing", "altered"]),
    at=st.integers(min_value=0, max_value=10_000),
)
def test_any_extra_missing_or_altered_event_is_caught_by_replay(
    log: Log, which: int, kind: str, at: int
) -> None:
    commands = log.commands
    index = 1 + which % (len(commands) - 1)  # never the genesis
    target = commands[index]
    events = [(stored_of(r), meta_of(r)) for r in target]
    if kind == "missing" and len(events) < 2:
        kind = "extra"  # dropping a command's only event drops its evidence too
    j = at % len(events)
    if kind == "extra":
        events.insert(at % (len(events) + 1), (extra_note(events[0][0], at), events[0][1]))
    elif kind == "missing":
        del events[j]
    else:
        events[j] = (altered(events[j][0], at), events[j][1])
    later = [[(stored_of(r), meta_of(r)) for r in c] for c in commands[index + 1 :]]
    evidence = [c[0].command for c in commands[index:]]
    assert all(e is not None for e in evidence)
    start = commands[index - 1][-1]
    forged = [r for c in commands[:index] for r in c] + list(
        reseal([events, *later], [e for e in evidence if e is not None], start)
    )
    first = target[0].position
    last = first + len(events) - 1
    key_topics = {*KEY_CHANGE_TOPICS, GENESIS_TOPIC}
    touches_keys = any(s.topic in key_topics for s, _ in events) or any(
        r.event is not None and r.event.topic in key_topics for r in target
    )
    chain = verify_rows(iter(forged), routes=route_table(), workers=1)
    if not touches_keys:
        assert chain, f"the chain checks should not see a resealed rewrite: {chain.failure}"
    replayed = replay(forged, registry(), route_table())
    assert replayed.failure is not None, f"{kind} event in command at {first} not caught"
    assert replayed.failure.reason in (EVENTS_NOT_PRODUCED, MISSING_EVENTS)
    assert first <= replayed.failure.position <= max(last, first)
