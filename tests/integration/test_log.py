"""Commands the ledger refuses before anything is recorded, on SQLite and on PostgreSQL:
a forged or stale signature, a missing role, bad parameters, an unknown action, a second
genesis, the ledger key's revocation.

What the chained recorder itself must do (gapless positions, chain rows in the same
transaction, key and nonce checks, triggers, tamper cases) is its contract:
``tests/support/contract.py``, run by ``test_recorder_sqlite.py`` and
``test_recorder_postgres.py``.
"""

from __future__ import annotations

import pytest

from ledger.authorisation import sign_command
from ledger.errors import (
    AuthorisationError,
    ConflictError,
    PermissionDeniedError,
    ValidationError,
)
from tests.support.world import World
from tests.vectors.testkeys import fixed_key

# --- refusals: nothing is written --------------------------------------------------


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
