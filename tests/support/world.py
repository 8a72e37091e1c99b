"""The test world: a ledger with its genesis and one registered department key.

The world is set up on :data:`~tests.support.actors.SETUP_DAY` (early 2026), so tests
may date what follows on any later day.

Keys come from fixed TEST-ONLY seeds (``tests/vectors/testkeys.py``): the ledger's, the
office's (which signs the genesis) and a department's, registered right after it. So
every world starts at position 4: genesis (3 entries) and the department key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ledger import formats
from ledger.application import Ledger, Recorded
from ledger.bootstrap import open_ledger
from ledger.config import Settings
from ledger.keys import SigningKey
from tests.support.actors import SETUP_DAY, Actors, Day
from tests.vectors.testkeys import fixed_key

ORIGIN = "test.example/shuangsui"


def _world_keys() -> dict[str, SigningKey]:
    return {"office": fixed_key("office"), "department": fixed_key("department")}


@dataclass
class World(Actors):
    """A ledger and the keys of its two first actors, ``"office"`` and ``"department"``."""

    settings: Settings
    ledger: Ledger
    keys: dict[str, SigningKey] = field(default_factory=_world_keys)
    ledger_key: SigningKey = field(default_factory=lambda: fixed_key("ledger"))

    @property
    def office(self) -> SigningKey:
        return self.keys["office"]

    @property
    def department(self) -> SigningKey:
        return self.keys["department"]

    def key(self, who: str | SigningKey) -> SigningKey:
        return who if isinstance(who, SigningKey) else self.keys[who]

    def note(self, text: str = "note", key: str | SigningKey = "department") -> Recorded:
        return self.run(key, "note.append", text=text)

    def register(self, key: SigningKey, *roles: str, holder: str = "test holder") -> Recorded:
        return self.run(
            "office",
            "key.register",
            public_key=key.public.public_b64,
            holder=holder,
            roles=list(roles or ("department",)),
        )


def open_world(settings: Settings) -> World:
    """The world of a ledger that exists already, opened with the fixed ledger key."""
    return World(settings, open_ledger(settings, signer=fixed_key("ledger")))


def start_world(settings: Settings, on: Day = SETUP_DAY) -> World:
    """A new ledger: its genesis signed by the office, then the department key registered."""
    ledger_key, office = fixed_key("ledger"), fixed_key("office")
    world = World(settings, open_ledger(settings, signer=ledger_key, must_exist=False))
    with world.dated(on):
        world.run(
            "office",
            "ledger.genesis",
            origin=ORIGIN,
            office_public_key=office.public.public_b64,
            ledger_public_key=ledger_key.public.public_b64,
            office_holder="TEST office",
            format=formats.CURRENT,  # read now: a test may start an older format
        )
        world.register(world.department, "department")
    return world
