"""A county task ready to draw, and its whole ceremony (R7.4, R5.2, R5.3).

:func:`drawable_county` imports 600 generated objects for SCJGJ, creates the joint task
:data:`TASK` over its three officers and registers two witnesses; :func:`ceremony` then
commits draw 1, has both witnesses commit and reveal, throws the dice and runs the draw.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ledger.application import Recorded
from ledger.areas.directory.importer import import_objects
from ledger.draw.ceremony import sign_witness_statement
from ledger.draw.verify import verify_draw
from ledger.ids import draw_id
from tests.support.actors import SETUP_DAY, Day
from tests.support.county import County, build_county, inspector, key_for
from tests.support.world import World
from tools.fakecounty import write_generated_objects

TASK = "T-DRAW-1"


def witness(county: County, name: str) -> str:
    """Register a witness key named ``name`` (its note name ``<name>.test/w``)."""
    key = key_for(f"witness {name}")
    county.run(
        "office",
        "key.register",
        public_key=key.public.public_b64,
        holder=name,
        roles=["witness"],
        note_name=f"{name}.test/w",
    )
    county.keys[name] = key
    return key.key_id


def drawable_county(
    world: World, tmp_path: Path, on: Day = SETUP_DAY, officers: tuple[str, ...] = ()
) -> County:
    """The test county with 600 objects, the task :data:`TASK` and witnesses jiwei, notary.
    ``officers``: more SCJGJ officers (say ``("S4", "S5")``), enrolled and on the task."""
    county = build_county(world, on)
    with county.dated(on):
        if officers:
            enrolled = county.rows(
                "SCJGJ",
                "inspectors.propose",
                [inspector(p, "SCJGJ") for p in officers],
                action="enrol",
            )
            county.run(
                "SFJ",
                "inspectors.decide",
                decisions=[
                    {"person": p, "proposal": enrolled.result["proposals"][p], "approve": True}
                    for p in officers
                ],
            )
        _prepare(county, tmp_path, officers)
    return county


def _prepare(county: County, tmp_path: Path, officers: tuple[str, ...] = ()) -> None:
    source = tmp_path / "objects.csv"
    write_generated_objects(source, 600, departments=("SCJGJ",), seed=7)
    import_objects(source, "SCJGJ", county.submitter("SCJGJ"))
    county.run(
        "SCJGJ",
        "task.create",
        task=TASK,
        name="联合抽查",
        year=2026,
        items=["SC-001"],
        inspectors=["S1", "S2", "S3", *officers],
        matching="dispersed",
        team_size=2,
        planned_start="2026-12-01",
        planned_end="2026-12-20",
        ratios={"A": "0.02", "B": "0.04", "C": "0.06", "D": "0.08"},
        directed={"ratio": "0.1", "penalty_years": 3, "min_complaints": 2},
        scope={"kinds": ["enterprise"], "regions": [], "industries": []},
    )
    for name in ("jiwei", "notary"):
        witness(county, name)


def commit(county: County, **extra: Any) -> Recorded:
    """Commit draw 1 of :data:`TASK` with both witnesses and dice (``extra`` overrides)."""
    params = {
        "task": TASK,
        "witnesses": [county.keys["jiwei"].key_id, county.keys["notary"].key_id],
        "dice": True,
        "fallback": "skip",
        "reveal_by": (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat(),
        **extra,
    }
    return county.run("SCJGJ", "draw.commit", **params)


def statement(
    county: County, name: str, kind: str, number: int = 1, task: str = TASK, **fields: str
) -> str:
    """Witness ``name``'s signature of its v2 statement on draw ``task``/``number``."""
    key = county.key(name)
    drawn = county.world.ledger.find(draw_id(task, number))
    return sign_witness_statement(
        key.sign,
        kind,
        task=task,
        draw=number,
        commitment_hash=drawn.commitment_hash,
        witness=key.key_id,
        **fields,
    )


def witness_commit(county: County, name: str, number: int = 1, task: str = TASK) -> tuple[str, str]:
    """Witness ``name`` commits to a fresh random value, signed; returns (value, nonce)."""
    value, nonce = os.urandom(32).hex(), os.urandom(16).hex()
    digest = hashlib.sha256(bytes.fromhex(value) + bytes.fromhex(nonce)).hexdigest()
    signature = statement(county, name, "commit", number, task, commitment=digest)
    county.run(
        name, "draw.witness_commit", task=task, draw=number, commitment=digest, signature=signature
    )
    return value, nonce


def witness_reveal(
    county: County,
    name: str,
    value: str,
    nonce: str,
    number: int = 1,
    task: str = TASK,
    **extra: Any,
) -> Recorded:
    """Witness ``name`` reveals ``value`` and ``nonce``, signed (``extra`` overrides)."""
    params = {
        "task": task,
        "draw": number,
        "value": value,
        "nonce": nonce,
        "signature": statement(county, name, "reveal", number, task, value=value, nonce=nonce),
        **extra,
    }
    return county.run(name, "draw.witness_reveal", params)


def keys_of(county: County) -> Callable[[str], bytes | None]:
    """The witnesses' public keys as verify-draw looks them up, from the ledger."""

    def lookup(key_id: str) -> bytes | None:
        key = county.world.ledger.key(key_id)
        return None if key is None else key.public_key_bytes

    return lookup


def verify(
    county: County,
    number: int = 1,
    events: list[Any] | None = None,
    task: str = TASK,
    **extra: Any,
) -> tuple[str | None, dict[str, Any]]:
    """verify-draw of ``task``/``number`` reading the ledger as the CLI does (or over
    ``events``, a list of them)."""
    if events is None:
        return verify_draw(
            county.world.ledger.topic_events, task, number, keys=keys_of(county), **extra
        )
    return verify_draw(events, task, number, keys=keys_of(county), **extra)


def ceremony(county: County) -> Recorded:
    """The whole ceremony of draw 1: commit, dice (before any witness commits, v2),
    witnesses commit and reveal, run."""
    commit(county)
    county.run("SCJGJ", "draw.dice", task=TASK, draw=1, digits="3141552653")
    secrets = {name: witness_commit(county, name) for name in ("jiwei", "notary")}
    for name, (value, nonce) in secrets.items():
        witness_reveal(county, name, value, nonce)
    return county.run("SCJGJ", "draw.run", task=TASK, draw=1)
