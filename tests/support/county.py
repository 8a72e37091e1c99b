"""A small test county on a ledger: departments, keys, lists, inspectors -- by commands.

Everything goes through signed commands (``County.run``), as a real county would do it,
so the tests exercise the same paths as the CLI and API. Keys are derived from fixed
TEST-ONLY seeds (:func:`key_for`; the world's own in tests/vectors/testkeys.py), one per
role, department and person.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from ledger.application import Ledger
from ledger.draw.world import SNAPSHOT_TOPICS, fold
from ledger.keys import SigningKey
from tests.support.actors import SETUP_DAY, Actors, Day
from tests.support.world import World

DEPARTMENTS = {
    "SCJGJ": ("安岳县市场监督管理局", "market_supervision"),
    "SWJ": ("国家税务总局安岳县税务局", "tax"),
    "SFJ": ("安岳县司法局", "judicial"),
}


def key_for(name: str) -> SigningKey:
    """A TEST-ONLY key derived from ``name`` (one per department, person, witness...)."""
    seed = hashlib.sha256(f"shuangsui TEST-ONLY county key: {name}".encode()).digest()
    return SigningKey(seed, f"TEST ONLY {name}")


def item(
    code: str, category: str = "general", cap: str | None = "0.1", **extra: Any
) -> dict[str, Any]:
    base = {
        "code": code,
        "name": f"事项 {code}",
        "legal_basis": "《市场主体登记管理条例》",
        "object_type": "enterprise",
        "content": "检查内容",
        "method": "on_site",
        "category": category,
        "risk_grade": "medium",
    }
    if category == "general":
        base["ratio_cap"] = cap
    return {**base, **extra}


def inspector(person: str, unit: str, kind: str = "officer", **extra: Any) -> dict[str, Any]:
    row = {
        "id": person,
        "name": f"检查员{person}",
        "position": "科员",
        "unit": unit,
        "section": None,
        "kind": kind,
        "certificate": f"51{person}" if kind == "officer" else None,
        "certificate_from": "2024-01-01" if kind == "officer" else None,
        "certificate_until": "2028-12-31" if kind == "officer" else None,
        "qualifications": ["general"] if kind == "officer" else [],
        "expertise": ["市场监管"],
        "region": None,
        "key_id": None,
        "conflicts": [],
    }
    return {**row, **extra}


@dataclass
class County(Actors):
    """The county's actors on a world: departments, people, witnesses -- and the world's
    own ``"office"`` and ``"department"``."""

    world: World
    keys: dict[str, SigningKey] = field(default_factory=dict)

    @property
    def ledger(self) -> Ledger:  # type: ignore[override]
        return self.world.ledger

    def key(self, who: str | SigningKey) -> SigningKey:
        if isinstance(who, SigningKey):
            return who
        return self.keys[who] if who in self.keys else self.world.key(who)


def build_county(world: World, on: Day = SETUP_DAY) -> County:
    """Three departments with keys, two published item lists, five approved officers."""
    county = County(world)
    with county.dated(on):
        _build(county)
    return county


def _build(county: County) -> None:
    for code, (name, kind) in DEPARTMENTS.items():
        county.run("office", "department.register", code=code, name=name, kind=kind)
        key = key_for(code)
        role = "judicial" if kind == "judicial" else "department"
        county.run(
            "office",
            "key.register",
            public_key=key.public.public_b64,
            holder=name,
            roles=[role, "department"] if role == "judicial" else [role],
            organisation=code,
        )
        county.keys[code] = key
    county.run(
        "SCJGJ",
        "items.draft",
        reason="enact",
        items=[item("SC-001"), item("SC-002", cap="0.05"), item("SC-KEY", "key", None)],
    )
    county.run("SCJGJ", "items.publish", version=1)
    county.run("SWJ", "items.draft", reason="enact", items=[item("SW-001", cap="0.2")])
    county.run("SWJ", "items.publish", version=1)
    for unit, people in (("SCJGJ", ["S1", "S2", "S3"]), ("SWJ", ["T1", "T2"])):
        result = county.rows(
            unit, "inspectors.propose", [inspector(p, unit) for p in people], action="enrol"
        )
        county.run(
            "SFJ",
            "inspectors.decide",
            decisions=[
                {"person": p, "proposal": result.result["proposals"][p], "approve": True}
                for p in people
            ],
        )


def add_people(county: County) -> None:
    """Keys for the SCJGJ inspectors and a discipline inspector."""
    with county.dated():
        _add_people(county)


def _add_people(county: County) -> None:
    for person in ("S1", "S2", "S3"):
        key = key_for(f"inspector {person}")
        county.run(
            "office",
            "key.register",
            public_key=key.public.public_b64,
            holder=f"检查员{person}",
            roles=["inspector"],
            organisation="SCJGJ",
            person=person,
        )
        county.keys[person] = key
    key = key_for("discipline")
    county.run(
        "office",
        "key.register",
        public_key=key.public.public_b64,
        holder="县纪委监委派驻纪检组",
        roles=["discipline"],
    )
    county.keys["discipline"] = key


def objects(county: County) -> list[str]:
    """Some of the county's objects (the directory folded from the log)."""
    world = fold(county.ledger.topic_events(SNAPSHOT_TOPICS))
    return sorted(world.directory.objects)[:20]
