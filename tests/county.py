"""A small test county on a ledger: departments, keys, lists, inspectors -- by commands.

Everything goes through signed commands, as a real county would do it, so the tests
exercise the same paths as the CLI and API. Keys are derived from fixed TEST-ONLY
seeds (see tests/vectors/testkeys.py), one per role and department.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from ledger.audit.hashing import sha256
from ledger.authorisation import sign_command
from ledger.canonical import canonical_bytes
from ledger.keys import SigningKey
from tests.conftest import World

DEPARTMENTS = {
    "SCJGJ": ("安岳县市场监督管理局", "market_supervision"),
    "SWJ": ("国家税务总局安岳县税务局", "tax"),
    "SFJ": ("安岳县司法局", "judicial"),
}


def key_for(name: str) -> SigningKey:
    seed = hashlib.sha256(f"shuangsui TEST-ONLY county key: {name}".encode()).digest()
    return SigningKey(seed, f"TEST ONLY {name}")


def rows_digest(rows: list[dict[str, Any]]) -> str:
    return sha256(canonical_bytes(rows)).hex()


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
        "expertise": [],
        "region": None,
        "key_id": None,
        "conflicts": [],
    }
    return {**row, **extra}


@dataclass
class County:
    world: World
    keys: dict[str, SigningKey] = field(default_factory=dict)

    def run(self, who: str, command: str, attachment: Any = None, **params: Any) -> Any:
        key = self.world.office if who == "office" else self.keys[who]
        return self.world.ledger.execute(sign_command(key, command, params), attachment=attachment)

    def rows(self, who: str, command: str, rows: list[dict[str, Any]], **params: Any) -> Any:
        return self.run(who, command, attachment=rows, rows_digest=rows_digest(rows), **params)


def build_county(world: World) -> County:
    county = County(world)
    for code, (name, kind) in DEPARTMENTS.items():
        world.run(world.office, "department.register", code=code, name=name, kind=kind)
        key = key_for(code)
        role = "judicial" if kind == "judicial" else "department"
        world.run(
            world.office,
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
    return county
