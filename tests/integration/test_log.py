"""The chained, signed log -- one contract, run on SQLite and on PostgreSQL.

Every tamper case must make verification fail and name the right position.
"""

from __future__ import annotations

import pytest

from ledger.audit.hashing import ZERO_HASH, leaf_hash
from ledger.audit.report import (
    BAD_LEDGER_SIGNATURE,
    BROKEN_LINK,
    HASH_MISMATCH,
    KEY_NOT_VALID,
    MISSING_EVENT,
    MISSING_POSITION,
    REPLAYED_NONCE,
    UNAUTHORISED_KEY_CHANGE,
    UNCHAINED_EVENT,
    Report,
)
from ledger.authorisation import sign_command
from ledger.errors import (
    AuthorisationError,
    ConflictError,
    KeyNotValidError,
    PermissionDeniedError,
    ReplayError,
    ValidationError,
)
from ledger.transparency.database import verify_ledger
from tests.support.rawdb import RawDB, note_event
from tests.support.world import World
from tests.vectors.testkeys import fixed_key


def verify(world: World) -> Report:
    return verify_ledger(world.ledger, workers=1)


def test_genesis_keys_and_notes_verify(world: World) -> None:
    for i in range(5):
        world.note(f"note {i}")
    report = verify(world)
    assert report, report.failure
    assert report.size == 9  # genesis (3) + key (1) + 5 notes
    assert report.origin == "test.example/shuangsui"
    assert report.commands == 7
    assert report.signatures == 14
    assert world.ledger.head().position == 9


def test_positions_are_gapless_and_linked(world: World) -> None:
    for i in range(3):
        world.note(f"note {i}")
    rows = world.ledger.select_chain(0, 100)
    assert [r.position for r in rows] == list(range(1, 8))
    prev = ZERO_HASH
    for row in rows:
        assert leaf_hash(row.entry) == row.entry_hash
        assert f'"prev":"{prev.hex()}"'.encode() in row.entry
        prev = row.entry_hash


def test_multi_event_command_is_one_signed_unit(world: World) -> None:
    # key.rotate writes two events: one command, parts [0,2] and [1,2].
    new = fixed_key("inspector")
    recorded = world.run(
        "department",
        "key.rotate",
        key_id=world.department.key_id,
        public_key=new.public.public_b64,
    )
    assert recorded.last_position == recorded.first_position + 1
    first, last = world.ledger.select_chain(recorded.first_position - 1, 2)
    assert first.command is not None and first.signature is None
    assert last.command is None and last.signature is not None
    assert b'"part":[0,2]' in first.entry and b'"part":[1,2]' in last.entry
    assert verify(world)


def test_command_ledger_position_is_returned(world: World) -> None:
    recorded = world.note("hello")
    assert recorded.first_position == recorded.last_position == 5


# --- refusals: nothing is written --------------------------------------------------


def test_reused_nonce_is_refused_and_nothing_written(world: World) -> None:
    auth = sign_command(world.department, "note.append", {"text": "once"})
    world.ledger.execute(auth)
    size = world.ledger.head().position
    with pytest.raises(ReplayError):
        world.ledger.execute(auth)
    assert world.ledger.head().position == size


def test_unregistered_key_is_refused(world: World) -> None:
    with pytest.raises(KeyNotValidError):
        world.note("x", key=fixed_key("witness"))


def test_revoked_key_is_refused(world: World) -> None:
    world.run("office", "key.revoke", key_id=world.department.key_id, reason="left office")
    with pytest.raises(KeyNotValidError):
        world.note("after revocation")
    assert verify(world)


def test_rotated_key_is_refused_and_successor_works(world: World) -> None:
    new = fixed_key("inspector")
    world.run(
        "department",
        "key.rotate",
        key_id=world.department.key_id,
        public_key=new.public.public_b64,
    )
    with pytest.raises(KeyNotValidError):
        world.note("old key")
    world.note("new key", key=new)
    assert verify(world)


def test_signature_by_another_key_is_refused(world: World) -> None:
    auth = sign_command(world.department, "note.append", {"text": "x"})
    forged = auth.evidence.replace(world.department.key_id.encode(), world.office.key_id.encode())
    from ledger.authorisation import Authorisation

    with pytest.raises(AuthorisationError):
        world.ledger.execute(Authorisation.from_evidence(forged, world.ledger.routes))


def test_stale_command_is_refused(world: World) -> None:
    auth = sign_command(world.department, "note.append", {"text": "x"}, created=1_000_000_000)
    with pytest.raises(AuthorisationError, match="window"):
        world.ledger.execute(auth)


def test_only_office_registers_keys(world: World) -> None:
    with pytest.raises(PermissionDeniedError):
        world.run(
            "department",
            "key.register",
            public_key=fixed_key("witness").public.public_b64,
            holder="x",
            roles=["inspector"],
        )


def test_key_registered_twice_is_a_conflict(world: World) -> None:
    with pytest.raises(ConflictError):
        world.register(world.department, "department")


def test_bad_parameters_list_every_field(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        world.run("office", "key.register", public_key="not base64!", roles=["emperor"])
    assert set(caught.value.errors) == {"public_key", "holder", "roles"}
    assert world.ledger.head().position == 4


def test_unknown_action_is_refused(world: World) -> None:
    with pytest.raises(ValidationError, match="unknown action"):
        world.run("office", "ledger.rewrite")


def test_second_genesis_is_refused(world: World) -> None:
    with pytest.raises(ConflictError):
        world.run(
            "office",
            "ledger.genesis",
            origin="x",
            office_public_key=world.office.public.public_b64,
            ledger_public_key=world.ledger_key.public.public_b64,
            office_holder="x",
        )


def test_ledger_key_cannot_be_revoked(world: World) -> None:
    with pytest.raises(PermissionDeniedError):
        world.run("office", "key.revoke", key_id=world.ledger_key.key_id, reason="x")


# --- append-only in the database ------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE {chain} SET signer = 'x' WHERE position = 1",
        "DELETE FROM {chain} WHERE position = 4",
        "UPDATE {events} SET topic = 'x'",
        "DELETE FROM {events}",
    ],
)
def test_triggers_refuse_update_and_delete(world: World, statement: str) -> None:
    raw = RawDB(world.ledger)
    with pytest.raises(Exception, match="append-only"):
        raw.execute(statement)
    assert verify(world)


# --- tamper cases: verification names the first bad position ---------------------------


@pytest.fixture
def tampered(world: World) -> tuple[World, RawDB]:
    for i in range(6):
        world.note(f"note {i}")  # positions 5..10
    raw = RawDB(world.ledger)
    raw.drop_guards()
    return world, raw


def expect(world: World, position: int, reason: str) -> None:
    report = verify(world)
    assert not report
    assert report.failure is not None
    assert (report.failure.position, report.failure.reason) == (position, reason), report.failure


def test_flipped_byte_in_stored_event(tampered: tuple[World, RawDB]) -> None:
    world, raw = tampered
    raw.flip_event_byte(7)
    expect(world, 7, HASH_MISMATCH)


@pytest.mark.parametrize(
    ("column", "reason"),
    [
        ("entry", HASH_MISMATCH),
        ("entry_hash", HASH_MISMATCH),
        ("signature", BAD_LEDGER_SIGNATURE),
        ("command", HASH_MISMATCH),
    ],
)
def test_flipped_byte_in_chain_row(tampered: tuple[World, RawDB], column: str, reason: str) -> None:
    world, raw = tampered
    raw.flip_chain_byte(8, column)
    expect(world, 8, reason)


def test_deleted_chain_row(tampered: tuple[World, RawDB]) -> None:
    world, raw = tampered
    raw.delete_chain_row(6)
    expect(world, 6, MISSING_POSITION)


def test_deleted_event_row(tampered: tuple[World, RawDB]) -> None:
    world, raw = tampered
    raw.execute("DELETE FROM {events} WHERE {event_id} = ?", (raw.notification_id(9),))
    expect(world, 9, MISSING_EVENT)


def test_deleted_last_chain_row_leaves_an_unchained_event(tampered: tuple[World, RawDB]) -> None:
    world, raw = tampered
    raw.delete_chain_row(10)
    expect(world, 10, UNCHAINED_EVENT)


def test_swapped_rows(tampered: tuple[World, RawDB]) -> None:
    world, raw = tampered
    raw.swap_chain_rows(6, 7)
    expect(world, 6, BROKEN_LINK)


def test_signature_from_a_revoked_key(tampered: tuple[World, RawDB]) -> None:
    world, raw = tampered
    revoked = world.run("office", "key.revoke", key_id=world.department.key_id, reason="x")
    auth = sign_command(world.department, "note.append", {"text": "forged"})
    position = raw.forge_append(
        note_event(world.ledger, "forged", world.department.key_id), auth, world.ledger_key
    )
    assert position == revoked.last_position + 1
    expect(world, position, KEY_NOT_VALID)


def test_signature_by_a_key_never_registered(tampered: tuple[World, RawDB]) -> None:
    world, raw = tampered
    stranger = fixed_key("witness")
    auth = sign_command(stranger, "note.append", {"text": "forged"})
    position = raw.forge_append(
        note_event(world.ledger, "forged", stranger.key_id), auth, world.ledger_key
    )
    expect(world, position, KEY_NOT_VALID)


def test_replayed_nonce_written_directly(tampered: tuple[World, RawDB]) -> None:
    world, raw = tampered
    auth = sign_command(world.department, "note.append", {"text": "once"})
    world.ledger.execute(auth)
    position = raw.forge_append(
        note_event(world.ledger, "once", world.department.key_id), auth, world.ledger_key
    )
    expect(world, position, REPLAYED_NONCE)


def test_entry_signed_by_a_non_ledger_key(tampered: tuple[World, RawDB]) -> None:
    world, raw = tampered
    auth = sign_command(world.department, "note.append", {"text": "self-sealed"})
    position = raw.forge_append(
        note_event(world.ledger, "x", world.department.key_id), auth, world.department
    )
    expect(world, position, KEY_NOT_VALID)


def test_key_registered_by_a_non_office_key_is_caught(tampered: tuple[World, RawDB]) -> None:
    world, raw = tampered
    from ledger.areas.keys.events import Key

    evil = fixed_key("witness")
    key = Key(
        key_id=evil.key_id,
        public_key=evil.public.public_b64,
        holder="evil",
        roles=("office",),
        organisation=None,
        predecessor=None,
        registered_by=world.department.key_id,
        note_name=None,
    )
    (event,) = key.collect_events()
    auth = sign_command(world.department, "key.register", {"public_key": evil.public.public_b64})
    position = raw.forge_append(world.ledger.mapper.to_stored_event(event), auth, world.ledger_key)
    expect(world, position, UNAUTHORISED_KEY_CHANGE)
