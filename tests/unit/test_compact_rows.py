"""Compact chain rows (issue 15 part 3, ledger format 4; R2.2 全程留痕): a row stores
only what cannot be recomputed from other columns, and recomputing gives the very
bytes that are hashed and signed -- or the row is stored in full.

Tamper cases: any single changed byte of a compact entry or compact evidence expands
to other bytes (or to nothing), so its hash or digest no longer matches.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.audit.evidence import HTTP_SCHEME, parse_evidence
from ledger.audit.hashing import ZERO_HASH, leaf_hash, sha256
from ledger.audit.rows import (
    ROW_TAG,
    Neighbour,
    RowParts,
    compact_entry,
    compact_evidence,
    entry_part,
    evidence_bytes,
    evidence_object,
    evidence_text,
    expand_entry,
    expand_evidence,
    expand_rows,
    is_compact,
)
from ledger.authorisation import Authorisation, StoredAuthorisation, sign_command
from ledger.bootstrap import route_table
from ledger.canonical import canonical_bytes
from ledger.storage.chain import EventMeta, entry_bytes
from tests.vectors.testkeys import fixed_key

KEY = fixed_key("department")
STREAM = "6501114c-61d7-553b-8fa5-ffcc93783a48"
STATE = b'{"text":"note 1"}'
TIME = "2026-11-28T01:13:40+00:00"


def _entry(time: str = TIME, part: int = 0, count: int = 1, **kw: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "position": 7,
        "prev": bytes(range(32)),
        "stream": STREAM,
        "version": 1,
        "topic": "shuangsui.note.appended",
        "state": STATE,
        "command_digest": "ab" * 32,
    }
    fields.update(kw)
    full = entry_bytes(
        position=fields["position"],
        prev=fields["prev"],
        stream=fields["stream"],
        version=fields["version"],
        topic=fields["topic"],
        meta=EventMeta(schema=1, time=time),
        state=fields["state"],
        command_digest=fields["command_digest"],
        part=part,
        count=count,
    )
    return {"full": full, "time": time, "part": part, "count": count, **fields}


def _compact(e: dict[str, Any]) -> bytes | None:
    derived = {k: v for k, v in e.items() if k not in ("full", "time", "part", "count")}
    return compact_entry(
        e["full"], schema=1, part=e["part"], count=e["count"], time=e["time"], **derived
    )


def _expand(stored: bytes, e: dict[str, Any]) -> bytes | None:
    derived = {k: v for k, v in e.items() if k not in ("full", "time", "part", "count")}
    return expand_entry(stored, **derived)


def test_a_compact_entry_expands_to_the_entry_and_is_small() -> None:
    e = _entry()
    stored = _compact(e)
    assert stored is not None and is_compact(stored) and not is_compact(e["full"])
    assert stored == ROW_TAG + b"1,0,1,1795828420"
    assert _expand(stored, e) == e["full"]
    assert len(stored) < len(e["full"]) // 20
    assert entry_part(stored) == (0, 1)


def test_a_time_that_is_not_a_whole_utc_second_is_kept_as_text() -> None:
    for time in ("2026-11-28T01:13:40.123456+00:00", "2026-11-28T09:13:40+08:00"):
        e = _entry(time=time)
        stored = _compact(e)
        assert stored is not None and stored.endswith(b"~" + time.encode())
        assert _expand(stored, e) == e["full"]


def test_an_entry_the_compact_form_cannot_give_is_stored_in_full() -> None:
    # A topic RFC 8785 escapes: the direct form is not the canonical one, no compact form.
    e = _entry(topic='odd"topic')
    assert _compact(e) is None
    # Another entry than the columns give (its digest names another state).
    e = _entry()
    assert _compact({**e, "state": b"other"}) is None


def test_the_expansion_depends_on_every_other_column() -> None:
    e = _entry()
    stored = _compact(e)
    assert stored is not None
    for name, value in (
        ("position", 8),
        ("prev", ZERO_HASH),
        ("stream", STREAM.replace("6", "7")),
        ("version", 2),
        ("topic", "shuangsui.note.other"),
        ("state", STATE + b" "),
        ("command_digest", "cd" * 32),
    ):
        assert _expand(stored, {**e, name: value}) != e["full"], name


@given(index=st.integers(min_value=0, max_value=15), bit=st.integers(min_value=0, max_value=7))
def test_any_flipped_byte_of_a_compact_entry_changes_or_spoils_it(index: int, bit: int) -> None:
    e = _entry()
    stored = _compact(e)
    assert stored is not None
    data = bytearray(stored)
    data[index % len(data)] ^= 1 << bit
    assert _expand(bytes(data), e) != e["full"]


def test_unreadable_compact_entries_expand_to_nothing() -> None:
    e = _entry()
    for bad in (
        ROW_TAG,
        ROW_TAG + b"1,0,1",
        ROW_TAG + b"x,0,1,5",
        ROW_TAG + b"1,0,1,99999999999999",
    ):
        assert _expand(bad, e) is None
    assert _expand(e["full"], e) is None  # a full entry is not a compact one


# --- evidence ------------------------------------------------------------------------------


@settings(max_examples=60)
@given(text=st.text(st.characters(codec="utf-8"), max_size=40))
def test_command_evidence_round_trips_for_any_parameters(text: str) -> None:
    auth = sign_command(KEY, "note.append", {"text": text, "n": [1, "二"]})
    stored = compact_evidence(auth.evidence, auth.key_id, auth.nonce)
    assert stored is not None and is_compact(stored)
    assert expand_evidence(stored, auth.key_id, auth.nonce) == auth.evidence
    assert evidence_bytes(stored, auth.key_id, auth.nonce) == auth.evidence
    # Neither the key id nor the nonce is stored twice, nor the signature in base64.
    assert auth.nonce.encode() not in stored and len(stored) < len(auth.evidence) - 100


def test_evidence_is_kept_whole_when_the_row_names_another_key_or_nonce() -> None:
    auth = sign_command(KEY, "note.append", {"text": "x"})
    # Expanded with the row's columns, the evidence would name them: no compact form.
    assert compact_evidence(auth.evidence, "0" * 16, auth.nonce) is None
    assert compact_evidence(auth.evidence, auth.key_id, "other") is None
    stored = compact_evidence(auth.evidence, auth.key_id, auth.nonce)
    assert stored is not None
    assert expand_evidence(stored, "0" * 16, auth.nonce) != auth.evidence
    # Evidence that is not RFC 8785 (spaces) or not evidence at all stays as it is.
    loose = json.dumps(json.loads(auth.evidence)).encode()
    assert compact_evidence(loose, auth.key_id, auth.nonce) is None
    assert compact_evidence(b"not json", auth.key_id, auth.nonce) is None
    assert evidence_bytes(b"not json", auth.key_id, auth.nonce) == b"not json"


@given(index=st.integers(min_value=0, max_value=400), bit=st.integers(min_value=0, max_value=7))
def test_any_flipped_byte_of_compact_evidence_changes_or_spoils_it(index: int, bit: int) -> None:
    auth = sign_command(KEY, "note.append", {"text": "抽查结果"}, nonce="n" * 32, created=1)
    stored = compact_evidence(auth.evidence, auth.key_id, auth.nonce)
    assert stored is not None
    data = bytearray(stored)
    data[index % len(data)] ^= 1 << bit
    assert expand_evidence(bytes(data), auth.key_id, auth.nonce) != auth.evidence


def _http_evidence(body: str) -> bytes:
    digest = base64.b64encode(sha256(body.encode())).decode()
    base = (
        '"@method": POST\n"@path": /api/v1/notes\n'
        f'"content-digest": sha-256=:{digest}:\n'
        '"@signature-params": ("@method" "@path" "content-digest");created=1795828420;'
        f'keyid="{KEY.key_id}";nonce="{"9" * 32}";tag="shuangsui-api-v1"'
    )
    signature = KEY.sign(base.encode())
    return canonical_bytes(
        {
            "scheme": HTTP_SCHEME,
            "key": KEY.key_id,
            "signed": base,
            "signature": base64.b64encode(signature).decode(),
            "body": body,
        }
    )


def test_signed_request_evidence_round_trips_without_its_digest_key_and_nonce() -> None:
    body = json.dumps({"text": '抽查结果公示 "quoted"\n'}, ensure_ascii=False)
    evidence = _http_evidence(body)
    stored = compact_evidence(evidence, KEY.key_id, "9" * 32)
    assert stored is not None and stored[1:2] == b"h"
    assert b"sha-256=::" in stored and KEY.key_id.encode() not in stored
    assert expand_evidence(stored, KEY.key_id, "9" * 32) == evidence
    assert parse_evidence(evidence, route_table()).action == "note.append"
    # The digest is recomputed from the stored body: another body, another evidence.
    forged = stored.replace(b"quoted", b"QUOTED")
    assert expand_evidence(forged, KEY.key_id, "9" * 32) != evidence


def test_the_replay_reads_compact_evidence_as_its_bytes_would_read() -> None:
    # The replay parses a compact row's evidence object without writing it as JSON
    # (StoredAuthorisation): the same command, key, nonce, message and digest.
    routes = route_table()
    auth = sign_command(KEY, "note.append", {"text": '抽查 "结果"\n'})
    for evidence, key, nonce in (
        (auth.evidence, auth.key_id, auth.nonce),
        (_http_evidence(json.dumps({"text": "公示"}, ensure_ascii=False)), KEY.key_id, "9" * 32),
    ):
        stored = compact_evidence(evidence, key, nonce)
        assert stored is not None
        found = evidence_object(stored, key, nonce)
        assert found is not None and evidence_text(found) == evidence
        read = StoredAuthorisation.from_object(found, lambda f=found: evidence_text(f), routes)
        whole = Authorisation.from_evidence(evidence, routes)
        assert read.parsed == whole.parsed
        assert (read.digest, read.evidence) == (whole.digest, evidence)
    assert evidence_object(b"not compact", KEY.key_id, "n") is None


# --- reading rows back -----------------------------------------------------------------------


def test_rows_read_from_the_middle_of_a_command_take_its_evidence_from_its_first_row() -> None:
    auth = sign_command(KEY, "key.rotate", {"key_id": KEY.key_id}, created=1795828420)
    digest = auth.digest
    first = _entry(part=0, count=2, command_digest=digest, position=5)
    h5 = leaf_hash(first["full"])
    second = _entry(part=1, count=2, command_digest=digest, position=6, prev=h5)
    stored1, stored2 = _compact(first), _compact(second)
    evidence = compact_evidence(auth.evidence, auth.key_id, auth.nonce)
    assert stored1 and stored2 and evidence
    asked: list[list[int]] = []

    def neighbours(positions: list[int]) -> dict[int, Neighbour]:
        asked.append(positions)
        return {5: (h5, evidence, auth.key_id, auth.nonce)}

    row: RowParts = (6, stored2, leaf_hash(second["full"]), None, None, None, STREAM, 1,
                     "shuangsui.note.appended", STATE)  # fmt: skip
    assert expand_rows([row], neighbours) == [(second["full"], None)]
    assert asked == [[5]]
    # Without the first row, the entry stays as stored (and its hash will not match).
    assert expand_rows([row], lambda positions: {}) == [(stored2, None)]
    # Its event gone: the same.
    gone: RowParts = (*row[:6], None, 0, "", b"")
    assert expand_rows([gone], neighbours) == [(stored2, None)]
