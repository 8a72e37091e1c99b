"""Golden draw vectors (tests/vectors/draw-v1.json): the committed file equals a
regeneration byte for byte, and the file alone is enough to check a draw -- the seed,
tickets, selection, leaves and roots are recomputed here from the documented steps with
hashlib, decimal and the RFC 8785 reference package, not with ledger code."""

from __future__ import annotations

import hashlib
import json
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

import pytest
import rfc8785

from ledger.draw.algorithm import DrawError, Job, Officer, Rules, match, replacement
from tests.vectors.draw_generate import generate

GOLDEN = Path(__file__).resolve().parents[1] / "vectors" / "draw-v1.json"
DOC: dict[str, Any] = json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_regenerated_vectors_match_the_committed_file() -> None:
    assert generate() == GOLDEN.read_text(encoding="utf-8")


# --- an independent reading of the file --------------------------------------------------


def lp(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def ticket(seed: bytes, purpose: str, ident: str) -> str:
    return sha256(seed + lp(purpose.encode()) + lp(ident.encode("utf-8"))).hex()


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 section 2.1.1, as written there."""
    if not leaves:
        return sha256(b"")
    if len(leaves) == 1:
        return sha256(b"\x00" + leaves[0])
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def test_the_commitment_hash_is_sha256_of_its_text() -> None:
    digest = sha256(DOC["commitment_text"].encode("utf-8")).hex()
    assert {case["commitment_hash"] for case in DOC["seeds"]} == {digest}


def test_each_seed_is_sha256_of_the_length_prefixed_sources() -> None:
    for case in DOC["seeds"]:
        preimage = DOC["algorithm"].encode() + lp(bytes.fromhex(case["commitment_hash"]))
        for source in case["sources"]:
            preimage += lp(source["label"].encode("utf-8")) + lp(bytes.fromhex(source["value"]))
        assert preimage.hex() == case["preimage"], case["name"]
        assert sha256(preimage).hex() == case["seed"], case["name"]
    assert DOC["seed"] == DOC["seeds"][0]["seed"]
    # The 300-byte value's prefix is 00 00 01 2c: a 4-byte big-endian length.
    assert "0000012c" + "000102" in DOC["seeds"][2]["preimage"]


def test_tickets() -> None:
    seed = bytes.fromhex(DOC["seed"])
    assert {t["purpose"] for t in DOC["tickets"]} == {"object", "inspector", "team"}
    for t in DOC["tickets"]:
        assert ticket(seed, t["purpose"], t["id"]) == t["ticket"], t


def test_selection_takes_the_smallest_tickets_per_stratum() -> None:
    seed = bytes.fromhex(DOC["seed"])
    selection = DOC["selection"]
    drawn: list[tuple[str, str, str]] = []
    for stratum in selection["strata"]:
        count = len(stratum["ids"])
        exact = (Decimal(stratum["ratio"]) * count).to_integral_value(rounding=ROUND_CEILING)
        n = min(count, int(exact))
        assert selection["summary"][stratum["key"]] == {
            "count": count,
            "ratio": stratum["ratio"],
            "n": n,
        }
        ranked = sorted((ticket(seed, "object", i), i) for i in stratum["ids"])
        drawn += [(i, stratum["key"], t) for t, i in ranked[:n]]
    drawn.sort(key=lambda d: (d[2], d[0]))
    assert [tuple(d) for d in selection["drawn"]] == drawn
    # The edges the strata are there for: exact decimals, ceil, the min, nothing drawn.
    n = {key: s["n"] for key, s in selection["summary"].items()}
    assert (n["A"], n["B"], n["C"], n["D"], n["over"], n["empty"], n["zero"]) == (
        2,
        7,
        1,
        2,
        2,
        0,
        0,
    )


def test_leaves_are_rfc8785_arrays() -> None:
    for case in DOC["leaves"]:
        assert bytes.fromhex(case["bytes"]) == rfc8785.dumps(case["values"]), case
    assert {c["function"] for c in DOC["leaves"]} == {"leaf", "string_leaf"}


def test_roots_are_rfc9162_tree_hashes() -> None:
    leaves = [bytes.fromhex(h) for h in DOC["roots"]["leaves"]]
    for case in DOC["roots"]["roots"]:
        assert mth(leaves[: case["count"]]).hex() == case["root"], case["count"]


def test_snapshot_roots_commit_to_every_object_and_inspector() -> None:
    snapshot = DOC["snapshot"]
    rows = sorted(
        (ident, key, kind) for key, members in snapshot["strata"].items() for ident, kind in members
    )
    object_leaves = [rfc8785.dumps(list(row)) for row in rows]
    assert [b.hex() for b in object_leaves] == snapshot["object_leaves"]
    inspector_leaves = [
        rfc8785.dumps(
            [
                o["person"],
                o["department"],
                o["kind"],
                o["certified"],
                o["qualifications"],
                o["conflicts"],
            ]
        )
        for o in DOC["officers"]
    ]
    assert [b.hex() for b in inspector_leaves] == snapshot["inspector_leaves"]
    assert snapshot["summary"] == {
        "objects": {
            "count": len(rows),
            "root": mth(object_leaves).hex(),
            "strata": {k: len(v) for k, v in sorted(snapshot["strata"].items())},
        },
        "inspectors": {"count": len(inspector_leaves), "root": mth(inspector_leaves).hex()},
        "excluded": snapshot["excluded"],
    }


# --- matching and recusal: the file holds every input they need --------------------------


def officers_of(doc: dict[str, Any]) -> list[Officer]:
    return [
        Officer(
            o["person"],
            o["department"],
            o["kind"],
            o["certified"],
            frozenset(o["qualifications"]),
            frozenset(o["conflicts"]),
        )
        for o in doc["officers"]
    ]


def job_of(data: dict[str, Any]) -> Job:
    needs = tuple(
        (n["department"], tuple(frozenset(tokens) for tokens in n["items"])) for n in data["needs"]
    )
    return Job(data["object"], data["stratum"], int(data["ticket"], 16), needs)


def outcome(call: Any) -> dict[str, Any]:
    try:
        return {"result": call()}
    except DrawError as exc:
        return {"refusal": {"object": exc.object, "constraint": exc.constraint}}


@pytest.mark.parametrize("case", DOC["matching"], ids=lambda c: c["name"])
def test_matching_from_the_file_alone(case: dict[str, Any]) -> None:
    seed = bytes.fromhex(DOC["seed"])
    rules = Rules(**case["rules"])
    jobs = [job_of(j) for j in case["jobs"]]
    purpose = "team" if rules.mode == "grouped" else "inspector"
    order = sorted(DOC["officers"], key=lambda o: (ticket(seed, purpose, o["person"]), o["person"]))
    assert [o["person"] for o in order] == case["officer_order"]
    expected = {k: case[k] for k in ("result", "refusal") if k in case}
    assert outcome(lambda: match(seed, jobs, officers_of(DOC), rules)) == expected


@pytest.mark.parametrize("case", DOC["recusals"], ids=lambda c: c["name"])
def test_recusal_from_the_file_alone(case: dict[str, Any]) -> None:
    seed = bytes.fromhex(DOC["seed"])
    matching = next(m for m in DOC["matching"] if m["name"] == case["matching"])
    job = job_of(next(j for j in matching["jobs"] if j["object"] == case["object"]))
    assignment = next(a for a in matching["result"] if a["object"] == case["object"])
    assert assignment["team"] == case["team"]
    loads: dict[str, int] = {}
    for a in matching["result"]:
        for person in a["team"]:
            loads[person] = loads.get(person, 0) + 1
    assert loads == case["loads"]
    expected = {k: case[k] for k in ("result", "refusal") if k in case}
    got = outcome(
        lambda: replacement(
            seed,
            job,
            officers_of(DOC),
            Rules(**matching["rules"]),
            case["team"],
            case["recused"],
            dict(case["loads"]),
            refused=case["refused"],
        )
    )
    assert got == expected
