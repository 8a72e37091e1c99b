"""Bundles verified offline: intact ones pass, any single-byte change is caught."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.audit.bundles import BUNDLE_FORMATS, verify_bundle
from ledger.audit.notes import parse_checkpoint, parse_note
from ledger.audit.report import MALFORMED_BUNDLE, ChainRow, Failure, Report
from ledger.bootstrap import route_table
from ledger.config import Settings
from ledger.transparency import log
from ledger.transparency.witness import Witness, request_text
from tests.support.world import start_world
from tests.vectors.testkeys import fixed_key


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    home = tmp_path_factory.mktemp("bundle")
    world = start_world(Settings(home=home / "home"))
    key = fixed_key("witness")
    world.run(
        "office",
        "key.register",
        public_key=key.public.public_b64,
        holder="witness",
        roles=["witness"],
        note_name="w.test/w",
    )
    note = world.note("联席会议纪要")
    world.run(
        "department",
        "key.rotate",
        key_id=world.department.key_id,
        public_key=fixed_key("inspector").public.public_b64,
    )
    t = world.ledger.transparency
    checkpoint = t.checkpoint()
    size = parse_checkpoint(parse_note(checkpoint).text).size
    Witness.create(home / "w.json", "w.test/w", [t.log_verifier().vkey], [checkpoint])
    cosigned = checkpoint + Witness(home / "w.json", key).add_checkpoint(
        request_text(t.consistency_text(size, size), checkpoint)
    )
    t.attach_cosignatures(cosigned)
    stream = world.ledger.chain.select_positions([note.last_position])[0].event
    assert stream is not None
    t.export(home / "full.bundle")
    t.export(home / "slice.bundle", stream=UUID(stream.stream))
    with pytest.MonkeyPatch.context() as patch:  # what the exporter wrote before v2
        patch.setattr(log, "BUNDLE_FORMAT", BUNDLE_FORMATS[0])
        patch.setattr(log, "compact_line", _v1_line)
        t.export(home / "full-v1.bundle")
        t.export(home / "slice-v1.bundle", stream=UUID(stream.stream))
    world.ledger.close()
    kinds = ("full", "slice", "full-v1", "slice-v1")
    return {k: (home / f"{k}.bundle").read_bytes() for k in kinds}


def _v1_line(line: dict[str, Any], row: ChainRow, previous: ChainRow | None) -> dict[str, Any]:
    """A version-1 bundle line: the entry and the evidence in full."""
    return line


def verify(data: bytes) -> Report:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return Report(failure=Failure(0, MALFORMED_BUNDLE, "not UTF-8"))
    return verify_bundle(text.splitlines(keepends=True), route_table(), workers=1)


@pytest.mark.parametrize("kind", ["full", "slice"])
def test_intact_bundles_verify(bundles: dict[str, bytes], kind: str) -> None:
    report = verify(bundles[kind])
    assert report, report.failure
    assert list(report.checkpoints.values()) == [["w.test/w"]]


def test_version_1_bundles_still_verify_and_version_2_is_smaller(
    bundles: dict[str, bytes],
) -> None:
    """Issue 15.3: v2 lines carry compact entries and evidence (ledger.audit.rows)."""
    for kind in ("full", "slice"):
        old, new = bundles[f"{kind}-v1"], bundles[kind]
        assert b'"shuangsui-bundle-v1"' in old and b'"shuangsui-bundle-v2"' in new
        report = verify(old)
        assert report, report.failure
        assert len(new) < 0.95 * len(old), (kind, len(new), len(old))


@pytest.mark.parametrize("kind", ["full", "slice"])
def test_compact_lines_under_a_version_1_header_fail(bundles: dict[str, bytes], kind: str) -> None:
    relabelled = bundles[kind].replace(b'"shuangsui-bundle-v2"', b'"shuangsui-bundle-v1"', 1)
    assert relabelled != bundles[kind]
    assert not verify(relabelled)
    assert not verify(bundles[kind].replace(b'"shuangsui-bundle-v2"', b'"shuangsui-bundle-v3"'))


@settings(
    max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(st.data())
def test_any_single_byte_change_is_caught(bundles: dict[str, bytes], data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(["full", "slice"]))
    blob = bundles[kind]
    index = data.draw(st.integers(0, len(blob) - 1), label="byte")
    bit = data.draw(st.integers(0, 7), label="bit")
    changed = bytearray(blob)
    changed[index] ^= 1 << bit
    report = verify(bytes(changed))
    assert not report, (kind, index, bit, blob[max(0, index - 30) : index + 30])


@pytest.mark.parametrize("kind", ["full", "slice"])
def test_truncated_bundles_fail(bundles: dict[str, bytes], kind: str) -> None:
    lines = bundles[kind].splitlines(keepends=True)
    for cut in range(1, len(lines)):
        assert not verify(b"".join(lines[:cut])), cut


def test_not_a_bundle(tmp_path: Path) -> None:
    assert not verify(b"hello\n")
    assert not verify(b"")
