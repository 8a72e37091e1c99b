"""The draw ceremony's rules (ledger.draw.ceremony) and the draw's place in the exception
tree: the commitment encoder against RFC 8785, the witness commitment, the recusal
replacement, DrawError."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.canonical import canonical_bytes
from ledger.draw.algorithm import DrawError, Officer, Rules, match
from ledger.draw.ceremony import (
    commitment_for,
    commitment_text,
    replacement_for,
    rules_of,
    team_loads,
    witness_commitment,
)
from ledger.draw.eligibility import jobs_for
from ledger.draw.snapshot import Snapshot
from ledger.errors import LedgerError, ValidationError

# --- the commitment's bytes against the one canonical encoder -----------------------------

SAFE = 2**53 - 1
scalars = st.none() | st.booleans() | st.integers(-SAFE, SAFE) | st.text(max_size=12)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=24,
)


def key_orders_agree(value: Any) -> bool:
    """Whether every object's keys sort the same by code point (Python) and by UTF-16
    code unit (RFC 8785 section 3.2.3); they differ only when a key has a character
    beyond U+FFFF where another has one in U+E000..U+FFFF."""
    if isinstance(value, dict):
        by_point = sorted(value)
        by_unit = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return by_point == by_unit and all(key_orders_agree(v) for v in value.values())
    if isinstance(value, list):
        return all(key_orders_agree(v) for v in value)
    return True


@settings(max_examples=600)
@given(json_values)
def test_commitment_text_is_rfc8785_exactly_when_key_orders_agree(value: Any) -> None:
    """For the values a commitment holds (strings, safe integers, booleans, null, lists,
    objects), the commitment encoder's bytes are canonical_bytes' bytes -- except where
    a code-point key order differs from RFC 8785's UTF-16 order."""
    ours = commitment_text(value).encode("utf-8")
    assert (ours == canonical_bytes(value)) == key_orders_agree(value)


regions = st.text(min_size=1, max_size=8).filter(lambda t: "|" not in t)
stratum_keys = st.builds(
    lambda credit, region: credit if region is None else f"{credit}|{region}",
    st.sampled_from(["A", "B", "C", "D", "directed"]),
    st.none() | regions,
)
ids = st.text(min_size=1, max_size=12)
officers = st.lists(
    st.builds(
        Officer,
        ids,
        st.sampled_from(["SCJGJ", "SWJ"]),
        st.sampled_from(["officer", "expert"]),
        st.booleans(),
        st.frozensets(st.text(max_size=6), max_size=3),
        st.frozensets(ids, max_size=2),
    ),
    max_size=4,
)
snapshots = st.builds(
    Snapshot,
    st.dictionaries(
        stratum_keys,
        st.lists(st.tuples(ids, st.sampled_from(["enterprise", "product"])), max_size=3),
        max_size=5,
    ),
    officers,
    st.integers(0, 10**6),
)
items = st.fixed_dictionaries(
    {
        "department": st.sampled_from(["SCJGJ", "SWJ"]),
        "code": st.text(max_size=8),
        "name": st.text(max_size=12),
        "category": st.text(max_size=6),
        "ratio_cap": st.none() | st.sampled_from(["0.05", "1"]),
        "object_type": st.sampled_from(["enterprise", "product"]),
    }
)
specs = st.fixed_dictionaries(
    {
        "task": ids,
        "lead": st.just("SCJGJ"),
        "participants": st.lists(st.just("SWJ"), max_size=1),
        "items": st.lists(items, min_size=1, max_size=3),
        "scope": st.fixed_dictionaries(
            {
                "kinds": st.lists(st.sampled_from(["enterprise", "product"]), max_size=2),
                "regions": st.lists(regions, max_size=2),
                "industries": st.lists(st.text(max_size=8), max_size=2),
            }
        ),
        "directed": st.none()
        | st.fixed_dictionaries(
            {
                "ratio": st.just("0.1"),
                "penalty_years": st.integers(1, 10),
                "min_complaints": st.integers(1, 1000),
            }
        ),
        "ratios": st.fixed_dictionaries({c: st.sampled_from(["0", "0.05", "1"]) for c in "ABCD"}),
        "stratify_by": st.lists(st.sampled_from(["region", "industry"]), max_size=2, unique=True),
        "matching": st.sampled_from(["dispersed", "grouped"]),
        "team_size": st.integers(2, 20),
        "workload_cap": st.none() | st.integers(1, 100),
        "planned_start": st.just("2027-03-01"),
    }
)
commitments = st.builds(
    lambda spec, snap, draw, head, days, experts, witnesses, dice, beacon, deadline, now: (
        commitment_for(
            spec,
            snap,
            task=spec["task"],
            draw=draw,
            lead=spec["lead"],
            as_of_position=head,
            params={
                "inspection_date": spec["planned_start"],
                "exclusion": {"days": days, "mode": "exclude"},
            },
            experts_per_object=experts,
            witnesses=witnesses,
            dice=dice,
            beacon=beacon,
            fallback={"reveal_by": deadline, "mode": "skip"},
            committed_at=now,
        )
    ),
    specs,
    snapshots,
    st.integers(1, 100),
    st.integers(1, 10**9),
    st.integers(0, 3650),
    st.integers(0, 5),
    st.lists(st.text(alphabet="0123456789abcdef", min_size=16, max_size=16), max_size=3),
    st.booleans(),
    st.none() | st.builds(lambda r: {"network": "quicknet", "round": r}, st.integers(1, 10**9)),
    st.integers(0, 2**40),
    st.integers(0, 2**40),
)


@settings(max_examples=300)
@given(commitments)
def test_commitments_as_committed_agree_with_canonical_bytes_but_for_key_order(
    commitment: dict[str, Any],
) -> None:
    """Commitments of the shape draw.commit builds: the same bytes as RFC 8785 whenever
    the stratum keys sort the same both ways -- always, for ASCII and BMP regions."""
    ours = commitment_text(commitment).encode("utf-8")
    assert (ours == canonical_bytes(commitment)) == key_orders_agree(commitment)


def test_where_the_commitment_encoder_and_rfc8785_part() -> None:
    """Why commitment_text is not canonical_bytes: a draw stratified by region (R5.2)
    whose townships' names hold a character beyond U+FFFF (𠮷, U+20BB7) and one in
    U+E000..U+FFFF (a full-width parenthesis, U+FF08) orders its strata differently; a
    beacon round past 2**53 (the API's draw.commit does not bound it) is refused by
    RFC 8785 but committed today. A stored draw verifies either way (its text is hashed
    as stored), but draw.commit must keep producing the bytes it produced, so the
    encoder stays."""
    strata = {"C|𠮷村": [("o1", "enterprise")], "C|\uff08东\uff09村": [("o2", "enterprise")]}
    snap = Snapshot(strata, [], 0)
    assert canonical_bytes(snap.summary()) != commitment_text(snap.summary()).encode()
    assert json.loads(commitment_text(snap.summary())) == snap.summary()
    beacon = {"network": "quicknet", "round": 2**53 + 1}
    assert commitment_text(beacon) == '{"network":"quicknet","round":9007199254740993}'
    with pytest.raises(ValidationError):
        canonical_bytes(beacon)


# --- witness commitments -------------------------------------------------------------------


@given(st.binary(min_size=16, max_size=64), st.binary(min_size=16, max_size=64))
def test_witness_commitment_is_sha256_of_value_then_nonce(value: bytes, nonce: bytes) -> None:
    digest = hashlib.sha256(value + nonce).hexdigest()
    assert witness_commitment(value.hex(), nonce.hex()) == digest


# --- the recusal replacement ------------------------------------------------------------------

SEED = hashlib.sha256(b"ceremony").digest()
COMMITMENT: dict[str, Any] = {
    "matching": "dispersed",
    "team_size": 2,
    "workload_cap": None,
    "experts_per_object": 0,
    "task_spec": {
        "items": [{"department": "A", "code": "SC-1", "object_type": "enterprise", "category": "c"}]
    },
}


def officer(person: str) -> Officer:
    return Officer(person, "A", "officer", True, frozenset({"all"}), frozenset())


def test_replacement_for_takes_the_next_officer_and_refuses_when_none_is_left() -> None:
    staff = [officer(f"a{i}") for i in range(4)]
    kinds = {"o0": "enterprise", "o1": "enterprise"}
    jobs = jobs_for(COMMITMENT["task_spec"], [("o0", "C", 0), ("o1", "C", 1)], kinds)
    assignments = match(SEED, jobs, staff, rules_of(COMMITMENT))
    for assignment in assignments:
        assignment["kind"] = "enterprise"
    first = assignments[0]
    leaving = first["team"][0]
    loads = team_loads(assignments)
    new = replacement_for(COMMITMENT, SEED, staff, first, leaving, loads, [])
    assert new not in first["team"] and new != leaving
    # Same inputs, same answer (the command and verify-draw both ask).
    assert replacement_for(COMMITMENT, SEED, staff, first, leaving, loads, []) == new
    pair = staff[:2]
    only = match(SEED, jobs[:1], pair, rules_of(COMMITMENT))[0] | {"kind": "enterprise"}
    with pytest.raises(DrawError, match=f"can replace {only['team'][0]}"):
        replacement_for(COMMITMENT, SEED, pair, only, only["team"][0], team_loads([only]), [])


def test_rules_of_reads_the_committed_matching_rules() -> None:
    assert rules_of(COMMITMENT) == Rules("dispersed", 2, None, 0)


# --- DrawError in the exception tree -------------------------------------------------------


def test_draw_error_is_a_ledger_error_and_still_a_value_error() -> None:
    error = DrawError("o1", "fewer than 2 eligible enforcement officers")
    assert isinstance(error, LedgerError) and isinstance(error, ValueError)
    assert (error.object, error.constraint) == ("o1", "fewer than 2 eligible enforcement officers")
    assert str(error) == "object o1: fewer than 2 eligible enforcement officers"
    assert (error.status, error.code, error.rule) == (422, "rule-violation", None)


def test_a_draw_error_is_a_rule_violation_to_the_api_and_the_cli() -> None:
    """DrawError joins the exception tree with the status and code a refused draw had
    before (a RuleViolationError: 422, ``rule-violation``)."""
    from ledger.errors import LedgerError, RuleViolationError

    error = DrawError("91512021MA0000000X", "no officer left")
    assert isinstance(error, LedgerError) and isinstance(error, ValueError)
    assert (error.status, error.code) == (RuleViolationError.status, RuleViolationError.code)
    assert (error.status, error.code) == (422, "rule-violation")
