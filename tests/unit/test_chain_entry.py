"""Chain entries written directly in the canonical key order are the RFC 8785 bytes
(issue 15.2: the entry bytes without re-serialising what is already canonical)."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from ledger.audit.hashing import sha256
from ledger.audit.rows import ENTRY_FORMAT
from ledger.canonical import canonical_bytes
from ledger.storage.chain import EventMeta, entry_bytes

texts = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40),
    st.text(max_size=12),  # quotes, backslashes, controls, non-ASCII, lone surrogates
)
ints = st.one_of(st.integers(min_value=0, max_value=10**6), st.integers(), st.booleans())


def reference(**kw: object) -> bytes:
    meta = kw["meta"]
    assert isinstance(meta, EventMeta)
    return canonical_bytes(
        {
            "command": kw["command_digest"],
            "event": sha256(kw["state"]).hex(),  # type: ignore[arg-type]
            "part": [kw["part"], kw["count"]],
            "position": kw["position"],
            "prev": kw["prev"].hex(),  # type: ignore[attr-defined]
            "schema": meta.schema,
            "stream": str(kw["stream"]),
            "time": meta.time,
            "type": kw["topic"],
            "v": ENTRY_FORMAT,
            "version": kw["version"],
        }
    )


@given(
    position=ints,
    version=ints,
    part=ints,
    count=ints,
    schema=ints,
    topic=texts,
    time=texts,
    digest=texts,
    stream=st.one_of(st.uuids(), texts),
    state=st.binary(max_size=64),
    prev=st.binary(min_size=32, max_size=32),
)
def test_direct_entry_bytes_are_the_canonical_bytes(
    position: int,
    version: int,
    part: int,
    count: int,
    schema: int,
    topic: str,
    time: str,
    digest: str,
    stream: uuid.UUID | str,
    state: bytes,
    prev: bytes,
) -> None:
    kw = {
        "position": position,
        "prev": prev,
        "stream": stream,
        "version": version,
        "topic": topic,
        "meta": EventMeta(schema=schema, time=time),
        "state": state,
        "command_digest": digest,
        "part": part,
        "count": count,
    }
    try:
        expected: bytes | type[Exception] = reference(**kw)
    except Exception as exc:
        expected = type(exc)
    try:
        got: bytes | type[Exception] = entry_bytes(**kw)  # type: ignore[arg-type]
    except Exception as exc:
        got = type(exc)
    assert got == expected


def test_a_usual_entry() -> None:
    kw = {
        "position": 5,
        "prev": bytes(range(32)),
        "stream": uuid.UUID(int=7),
        "version": 1,
        "topic": "shuangsui.note.appended",
        "meta": EventMeta(schema=1, time="2026-01-05T02:00:00+00:00"),
        "state": b'{"text":"x"}',
        "command_digest": "ab" * 32,
        "part": 0,
        "count": 1,
    }
    assert entry_bytes(**kw) == reference(**kw)  # type: ignore[arg-type]
