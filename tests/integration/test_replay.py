"""Replay verification on both backends (issue 11.1, R10.1, R9.1).

The operator holds the ledger key and the database. Each attack here is done as the
operator would do it: the forged rows are written with :mod:`tests.support.rawdb`, the
chain is linked and sealed with the ledger key and the Merkle tree grown, so every
chain check passes -- and the replay, which re-runs each signed command over the state
before it, names the first entry the command does not produce.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from ledger.areas.inspections.events import Inspection
from ledger.areas.notes.events import Note
from ledger.audit.report import ACTOR_NOT_ALLOWED, EVENTS_NOT_PRODUCED, MISSING_EVENTS
from ledger.authorisation import sign_command
from ledger.clock import china_today
from ledger.commanding import Context, command_time, stamp
from ledger.ids import draw_id, inspection_id, note_id
from ledger.params import Params
from ledger.transparency.database import replay_ledger, verify_ledger
from tests.support.county import County, add_people
from tests.support.draws import TASK, ceremony
from tests.support.rawdb import RawDB
from tests.support.world import World

ITEM = "SCJGJ:SC-001"
BASIS = {"kind": "draw", "task": TASK, "draw": 1}


@pytest.fixture
def county(drawable: County) -> County:
    """The drawn county: draw 1 run, the first drawn object checked by its team and a
    violation entered by one of them."""
    add_people(drawable)
    ceremony(drawable)
    # Signed now, like the ceremony (dated today at 10:00 China time they would come
    # before it from 02:15 UTC on, which the time order refuses).
    day = china_today().isoformat()
    drawable.run("SCJGJ", "task.organise", task=TASK, draw=1, organised_on=day)
    obj, team = first_assignment(drawable)
    drawable.run(
        team[0],
        "inspection.record",
        basis=BASIS,
        object=obj,
        item=ITEM,
        method="on_site",
        inspectors=team,
        checked_on=day,
    )
    drawable.run(
        team[1],
        "result.enter",
        basis=BASIS,
        object=obj,
        item=ITEM,
        result="violation",
        formed_on=day,
    )
    return drawable


def first_assignment(county: County) -> tuple[str, list[str]]:
    performed = county.ledger.find(draw_id(TASK, 1)).performed
    first = performed["assignments"][0]
    return first["object"], list(first["team"])


def chain_ok(county: County) -> None:
    """Every check but the replay passes: hashes, links, seals, signatures, tree."""
    report = verify_ledger(county.ledger, workers=1)
    assert report, report.failure


def test_a_whole_county_replays_event_for_event(county: County) -> None:
    """Issue 11.1: every event of a county (keys, lists, an import, a task, the whole
    draw ceremony, an inspection and its result) is what its signed command produces."""
    county.run("SCJGJ", "note.append", text="会议纪要")
    county.run("office", "calendar.amend", days={"2026-10-10": True}, declare_years=[], note="调休")
    report = verify_ledger(county.ledger, workers=1)
    replayed = replay_ledger(county.ledger)
    assert replayed, replayed.failure
    assert (replayed.commands, replayed.events) == (report.commands, report.size)


def test_the_replay_reads_the_rows_verify_reads(county: County) -> None:
    """The replay reads the chain as stored (compact rows unexpanded, R2.2): expanded,
    those are exactly the rows the chain checks read, page by page."""
    ledger = county.ledger
    size = ledger.head().position
    for after, page in ((0, size), (5, 7), (size - 3, 10)):
        stored = ledger.select_chain(after, page, expand=False)
        assert [r.position for r in stored] == [
            r.position for r in ledger.select_chain(after, page)
        ]
        assert ledger.expand_chain(stored) == ledger.select_chain(after, page)
    assert any(
        r.entry != e.entry for r, e in zip(stored, ledger.select_chain(size - 3, 10), strict=True)
    )


def test_an_extra_withholding_under_a_departments_note_is_caught(county: County) -> None:
    """Issue 11.1: SCJGJ signs a note; the operator also records a ``result.withheld``
    hiding its inspectors' violation, attributed to that signature and sealed."""
    obj, _ = first_assignment(county)
    world = county.world
    auth = sign_command(county.key("SCJGJ"), "note.append", {"text": "季度会议纪要"})
    note = Note._create(
        Note.Created, id=note_id(auth.digest), text="季度会议纪要", author=auth.key_id
    )
    inspection: Inspection = county.ledger.get(inspection_id("draw", f"{TASK}/1", obj))
    inspection.withhold(
        item=ITEM,
        department="SCJGJ",
        legal_basis="涉及国家秘密",
        decided_on=china_today().isoformat(),
    )
    stamp([note, inspection], auth.created)
    raw = RawDB(county.ledger)
    positions = raw.forge_command(
        [*note.collect_events(), *inspection.collect_events()], auth, world.ledger_key
    )
    chain_ok(county)
    replayed = replay_ledger(county.ledger)
    assert replayed.failure is not None
    assert replayed.failure.position == positions[1]
    assert replayed.failure.reason == EVENTS_NOT_PRODUCED
    assert "extra event shuangsui.inspection.withheld" in replayed.failure.detail


def test_the_ledger_key_acting_as_an_inspector_is_caught(county: County) -> None:
    """Issue 11.1: the ledger key signs an inspection of an undrawn-team object and a
    ``no_problem`` result nobody entered, the events made by the real handlers as if an
    inspector had sent them; replay refuses the actor at the first of them."""
    obj, team = first_assignment(county)
    ledger = county.ledger
    ledger_key = county.world.ledger_key
    inspector = ledger.key(county.key(team[0]).key_id)
    day = china_today().isoformat()
    params = {
        "basis": {"kind": "case", "case": "TS-1", "trigger": "complaint", "reference": "x"},
        "object": obj,
        "item": ITEM,
        "method": "on_site",
        "inspectors": team,
        "checked_on": day,
    }
    auth = sign_command(ledger_key, "inspection.record", params)
    command = ledger.registry.get("inspection.record")
    assert command is not None
    ctx = Context(ledger, auth, inspector, Params(params, today=china_today()))
    outcome = command.parse(ctx.params).handle(ctx)
    stamp(outcome.aggregates, auth.created)
    events = [e for a in outcome.aggregates for e in a.collect_events()]
    positions = RawDB(ledger).forge_command(events, auth, ledger_key)
    chain_ok(county)
    replayed = replay_ledger(ledger)
    assert replayed.failure is not None
    assert (replayed.failure.position, replayed.failure.reason) == (positions[0], ACTOR_NOT_ALLOWED)
    assert "inspection.record" in replayed.failure.detail


def test_a_dropped_event_is_caught(world: World) -> None:
    """Issue 11.1: a key rotation recorded with only the new key's registration (the old
    key never retired) -- the command produces two events, the log holds one."""
    from ledger.areas.keys.events import Key
    from tests.vectors.testkeys import fixed_key

    new = fixed_key("rotated department")
    auth = sign_command(
        world.department,
        "key.rotate",
        {"key_id": world.department.key_id, "public_key": new.public.public_b64},
    )
    old = world.ledger.key(world.department.key_id)
    registered = Key(
        key_id=new.key_id,
        public_key=new.public.public_b64,
        holder=old.holder,
        roles=old.roles,
        organisation=old.organisation,
        predecessor=old.key_id,
        registered_by=world.department.key_id,
        note_name=old.note_name,
        person=old.person,
    )
    stamp([registered], auth.created)
    (position,) = RawDB(world.ledger).forge_command(
        registered.collect_events(), auth, world.ledger_key
    )
    assert verify_ledger(world.ledger, workers=1)
    replayed = replay_ledger(world.ledger)
    assert replayed.failure is not None
    assert replayed.failure.position == position
    # The first event the command produces is the old key's retirement, not this one.
    assert replayed.failure.reason == EVENTS_NOT_PRODUCED
    assert "shuangsui.key.rotated" in replayed.failure.detail


def test_a_missing_last_event_is_named(world: World) -> None:
    """Issue 11.1: the log holds the first of a command's events and not the rest."""
    from ledger.areas.keys.events import Key
    from tests.vectors.testkeys import fixed_key

    new = fixed_key("rotated department")
    auth = sign_command(
        world.department,
        "key.rotate",
        {"key_id": world.department.key_id, "public_key": new.public.public_b64},
    )
    old: Key = world.ledger.key(world.department.key_id)
    old.rotate(key_id=old.key_id, successor=new.key_id)
    stamp([old], auth.created)
    (position,) = RawDB(world.ledger).forge_command(old.collect_events(), auth, world.ledger_key)
    assert verify_ledger(world.ledger, workers=1)
    replayed = replay_ledger(world.ledger)
    assert replayed.failure is not None
    assert (replayed.failure.position, replayed.failure.reason) == (position, MISSING_EVENTS)
    assert "shuangsui.key.registered" in replayed.failure.detail


def test_format_2_events_follow_from_the_command(world: World) -> None:
    """Issue 11.1: on a format-2 ledger an event's time is the command's signed
    ``created`` time and a note's id is derived from the command -- nothing a replay
    could not reproduce."""
    recorded = world.note("时间取自签名")
    (row,) = world.ledger.select_chain(recorded.first_position - 1, 1)
    auth = sign_command(world.department, "note.append", {"text": "x"})  # for the type
    assert row.command is not None and row.event is not None
    from ledger.authorisation import Authorisation

    signed = Authorisation.from_evidence(row.command, world.ledger.routes)
    assert row.event.stream == str(note_id(signed.digest))
    assert f'"time":"{command_time(signed.created).isoformat()}"' in row.entry.decode()
    assert auth.digest != signed.digest


@pytest.mark.parametrize("who", ["auditor", "inspector", "ledger", "witness"])
def test_only_office_and_department_keys_append_notes(world: World, who: str) -> None:
    """Issue 11.1 / R10.1: the role matrix is enforced in the handler path, so the CLI
    (which calls ``Ledger.execute``) refuses what the API refuses."""
    from ledger.errors import PermissionDeniedError
    from tests.vectors.testkeys import fixed_key

    key = world.ledger_key if who == "ledger" else fixed_key(f"role {who}")
    if who != "ledger":
        extra: dict[str, Any] = {"note_name": "w.test/w"} if who == "witness" else {}
        world.run(
            "office",
            "key.register",
            public_key=key.public.public_b64,
            holder=who,
            roles=[who],
            **extra,
        )
    size = world.ledger.head().position
    with pytest.raises(PermissionDeniedError, match=r"note\.append needs a key with role"):
        world.run(key, "note.append", text="not mine to write")
    assert world.ledger.head().position == size


@pytest.mark.parametrize(
    ("action", "params", "says"),
    [
        ("note.erase", {"text": "x"}, "unknown action 'note.erase'"),
        ("note.append", {"text": 42}, "note.append is refused on replay"),
        ("note.append", {}, "note.append is refused on replay"),
    ],
)
def test_a_signed_command_the_ledger_would_refuse_is_caught(
    sqlite_world: World, action: str, params: dict[str, Any], says: str
) -> None:
    """Issue 11.1: a genuinely signed command the ledger would never have accepted (an
    action it does not know, parameters its declaration refuses) with a note recorded
    under it: the chain checks pass, the replay names it."""
    world = sqlite_world
    auth = sign_command(world.department, action, params)
    note = Note._create(Note.Created, id=note_id(auth.digest), text="x", author=auth.key_id)
    stamp([note], auth.created)
    (position,) = RawDB(world.ledger).forge_command(note.collect_events(), auth, world.ledger_key)
    assert verify_ledger(world.ledger, workers=1)
    replayed = replay_ledger(world.ledger)
    assert replayed.failure is not None
    assert (replayed.failure.position, replayed.failure.reason) == (position, EVENTS_NOT_PRODUCED)
    assert says in replayed.failure.detail


@pytest.mark.parametrize("kind", ["blob", "upper", "bare", "dashed"])
def test_a_stream_id_stored_as_another_type_reads_alike_everywhere(
    sqlite_world: World, kind: str
) -> None:
    """Issue 11.1 / R2.2: SQLite's columns are untyped, so the operator can store an
    event's stream id other than as the recorder writes it (the TEXT of 32 lower-case
    hex digits): its digits as a BLOB, upper-case, its 16 bare bytes as a BLOB, or
    written with dashes. ``UUID`` would read most of those as the same id, which the
    ledger's own lookups (by the stored text) then miss; the replay's and the
    projections' fast readers formatted some of them directly. Every reader -- the
    chain check's, the replay's, the projections' -- reads the row alike, and verify
    names it as tampering rather than saying ok."""
    world = sqlite_world
    recorded = world.note("流标识")
    world.note("之后")
    ledger = world.ledger
    position = recorded.first_position
    raw = RawDB(ledger)
    raw.drop_guards()
    nid = raw.notification_id(position)
    ((stored,),) = raw.execute("SELECT originator_id FROM {events} WHERE rowid = ?", (nid,))
    stream = UUID(hex=stored)
    assert stored == stream.hex  # as the recorder writes it
    forms: dict[str, Any] = {
        "blob": stored.encode(),
        "upper": stored.upper(),
        "bare": stream.bytes,
        "dashed": str(stream),
    }
    raw.execute("UPDATE {events} SET originator_id = ? WHERE rowid = ?", (forms[kind], nid))
    size = ledger.head().position
    checked = ledger.select_chain(0, size)
    replayed_rows = ledger.expand_chain(ledger.select_chain(0, size, expand=False))
    projected = ledger.select_entries(0, size)
    assert replayed_rows == checked
    assert ledger.chain.select_positions(list(range(1, size + 1))) == checked
    assert [e[3] for e in projected] == [r.event.stream if r.event else None for r in checked]
    assert [e[:3] for e in projected] == [(r.position, r.entry, r.command) for r in checked]
    (row,) = (r for r in checked if r.position == position)
    assert row.event is not None and row.event.stream != str(stream)
    report = verify_ledger(ledger, workers=1)
    assert report.failure is not None, "verify said ok on a stream id it reads otherwise"
    assert report.failure.position == position
    again = verify_ledger(ledger, workers=1)
    assert again.failure == report.failure
    replayed = replay_ledger(ledger)
    assert replayed.failure is not None and replayed.failure.position == position
