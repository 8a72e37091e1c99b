"""The offline rules on rows in memory: every single-byte change is caught."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.audit.errors import EvidenceError
from ledger.audit.evidence import parse_evidence
from ledger.audit.report import (
    BAD_LEDGER_SIGNATURE,
    HASH_MISMATCH,
    MISSING_POSITION,
    ChainRow,
    Failure,
)
from ledger.audit.signatures import verify_rows
from ledger.bootstrap import route_table
from ledger.config import Settings
from tests.support.world import start_world
from tests.vectors.testkeys import fixed_key


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> list[ChainRow]:
    world = start_world(Settings(home=tmp_path_factory.mktemp("verifier")))
    world.note("a")
    world.run(
        "department",
        "key.rotate",
        key_id=world.department.key_id,
        public_key=fixed_key("inspector").public.public_b64,
    )
    world.note("b", key=fixed_key("inspector"))
    world.note("c", key=world.office)
    result = world.ledger.select_chain(0, 100)
    world.ledger.close()
    return result


def test_intact_rows_verify(rows: list[ChainRow]) -> None:
    report = verify_rows(rows, routes=route_table(), workers=1)
    assert report, report.failure
    assert report.size == len(rows)


def test_parallel_verification_agrees(rows: list[ChainRow]) -> None:
    bad = list(rows)
    bad[4] = dataclasses.replace(bad[4], signature=bytes(64))  # position 5: one-entry command
    assert verify_rows(rows, routes=route_table(), workers=2, batch=2)
    report = verify_rows(bad, routes=route_table(), workers=2, batch=2)
    assert report.failure == Failure(5, BAD_LEDGER_SIGNATURE, "ledger signature does not verify")


BYTE_FIELDS = ("entry", "entry_hash", "command", "signature")
TEXT_FIELDS = ("actor_key", "nonce", "signer")
EVENT_FIELDS = ("state", "topic", "stream")


def _flip(data: bytes, index: int) -> bytes:
    changed = bytearray(data)
    changed[index % len(changed)] ^= 1 << (index % 8)
    return bytes(changed)


def _flip_text(text: str, index: int) -> str:
    i = index % len(text)
    return text[:i] + chr(ord(text[i]) ^ 1) + text[i + 1 :]


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_single_byte_change_is_detected(rows: list[ChainRow], data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(rows) - 1), label="row")
    row = rows[i]
    fields = [f for f in BYTE_FIELDS + TEXT_FIELDS if getattr(row, f) is not None]
    fields += [f"event.{f}" for f in EVENT_FIELDS] + ["event.version", "position"]
    name = data.draw(st.sampled_from(fields), label="field")
    index = data.draw(st.integers(0, 10_000), label="byte")
    if name.startswith("event."):
        assert row.event is not None
        attr = name.split(".", 1)[1]
        value = getattr(row.event, attr)
        if isinstance(value, bytes):
            new = _flip(value, index)
        elif isinstance(value, int):
            new = value + 1
        else:
            new = _flip_text(value, index)
        changed = dataclasses.replace(row, event=dataclasses.replace(row.event, **{attr: new}))
    else:
        value = getattr(row, name)
        if isinstance(value, bytes):
            new = _flip(value, index)
        elif isinstance(value, int):
            new = value + 1
        else:
            new = _flip_text(value, index)
        changed = dataclasses.replace(row, **{name: new})
    tampered = [*rows[:i], changed, *rows[i + 1 :]]
    report = verify_rows(tampered, routes=route_table(), workers=1)
    assert not report, (name, i)
    assert report.failure is not None and report.failure.position <= row.position + 1


def test_truncated_command_is_missing_a_position(rows: list[ChainRow]) -> None:
    rotate_first = next(r for r in rows if b'"part":[0,2]' in r.entry)
    report = verify_rows(rows[: rotate_first.position], routes=route_table(), workers=1)
    assert report.failure is not None and report.failure.reason == MISSING_POSITION


def test_first_entry_must_be_genesis(rows: list[ChainRow]) -> None:
    report = verify_rows(rows[3:], routes=route_table(), workers=1)
    assert report.failure is not None and report.failure.position == 1


@pytest.mark.parametrize(
    "evidence", [b"{}", b"not json", b'{"scheme":"x","signature":"","signed":""}']
)
def test_unreadable_evidence(evidence: bytes) -> None:
    with pytest.raises(EvidenceError):
        parse_evidence(evidence, route_table())


def test_report_as_dict_names_the_failure(rows: list[ChainRow], tmp_path: Path) -> None:
    bad = [*rows[:4], dataclasses.replace(rows[4], entry=rows[4].entry + b" ")]
    report = verify_rows(bad, routes=route_table(), workers=1)
    assert report.as_dict()["failure"] == {
        "position": 5,
        "reason": HASH_MISMATCH,
        "detail": "entry hash does not match the entry bytes",
    }
