"""Compact chain rows: what a chain row stores of its entry and evidence, and how the
bytes that are hashed and signed are recomputed from it (issue 15 part 3).

Every chain row carries its *row format* in the first byte of its ``entry`` column:

* row format 1 (every row of a ledger of format 1, 2 or 3): ``entry`` holds the
  entry's RFC 8785 bytes and ``command`` the evidence bytes, both verbatim. RFC 8785
  JSON of an object starts with ``{``, never with :data:`ROW_TAG`.
* row format 2 (rows a ledger of format 4 writes): ``entry`` holds
  :data:`ROW_TAG` followed by ASCII ``schema,part,count,time`` -- the only fields of
  the entry that are not recomputable from other stored columns (position: the row;
  ``prev``: the previous row's entry hash; stream, version and type: the stored
  event; ``event``: the SHA-256 of the stored event; ``command``: the SHA-256 of the
  command's evidence, on the command's first row). ``time`` is Unix seconds when the
  entry's time is exactly that second in UTC (``+00:00``), else ``~`` and the text.
  ``command`` (on a command's first row) holds :data:`ROW_TAG`, a scheme letter, the
  64-byte actor signature and the signed text without what other columns hold: the
  actor's key id and nonce (the row's ``actor_key`` and ``nonce``), and for a signed
  HTTP request (``h``) the body's Content-Digest, which is recomputed from the body
  stored after a NUL byte.

What an auditor checks does not change: the expanded entry's leaf hash must be the
stored entry hash and the expanded evidence's SHA-256 the entry's ``command`` digest,
so a compact row proves exactly what the full row proves, and every hash, signature,
proof, checkpoint and receipt is the same. A writer stores the compact form only
when it expands to the very bytes it would otherwise have stored (:func:`compact_entry`,
:func:`compact_evidence` return None otherwise), so any entry or evidence can still
be stored, verbatim. A compact value that cannot be expanded (an unreadable or
tampered row) expands to None, and the row is read as stored -- its hashes then
fail.

Pure functions of their inputs; standard library only.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Sequence

from ledger.audit.evidence import COMMAND_SCHEME, HTTP_SCHEME
from ledger.audit.hashing import ZERO_HASH, sha256

#: The first byte of a compact (row format 2) ``entry`` or ``command`` column.
ROW_TAG = b"\x02"
#: The ``v`` every entry carries (the entry format, not the row format).
ENTRY_FORMAT = 1
_COMMAND, _HTTP = b"c", b"h"
_SIGNATURE = 64
_TIME_TEXT = "~"
_UTC = dt.UTC


def is_compact(stored: bytes | None) -> bool:
    """Whether a stored ``entry`` or ``command`` value is in row format 2."""
    return stored is not None and stored[:1] == ROW_TAG


def entry_text(
    *,
    command_digest: str,
    event_digest: str,
    part: int,
    count: int,
    position: int,
    prev: str,
    schema: int,
    stream: str,
    time: str,
    topic: str,
    version: int,
) -> bytes:
    """An entry's bytes when every text is plain ASCII that RFC 8785 writes between
    quotes as it is, and every integer is safe (the writer checks that before using
    it; :mod:`ledger.audit.chain` documents the fields): the RFC 8785 form, keys in
    their canonical order."""
    return (
        f'{{"command":"{command_digest}","event":"{event_digest}",'
        f'"part":[{part},{count}],"position":{position},"prev":"{prev}",'
        f'"schema":{schema},"stream":"{stream}","time":"{time}",'
        f'"type":"{topic}","v":{ENTRY_FORMAT},"version":{version}}}'
    ).encode("ascii")


def _time_code(time: str) -> str:
    if time.endswith("+00:00") and len(time) == 25:
        try:
            seconds = int(dt.datetime.fromisoformat(time).timestamp())
        except ValueError:
            seconds = None
        if seconds is not None and seconds >= 0 and _time_of(str(seconds)) == time:
            return str(seconds)
    return _TIME_TEXT + time


@functools.lru_cache(maxsize=4096)
def _time_of(code: str) -> str | None:
    if code.startswith(_TIME_TEXT):
        return code[1:]
    if not (code.isascii() and code.isdigit()) or len(code) > 12:
        return None
    return dt.datetime.fromtimestamp(int(code), _UTC).isoformat()


def compact_entry(
    entry: bytes,
    *,
    schema: int,
    part: int,
    count: int,
    time: str,
    position: int,
    prev: bytes,
    stream: str,
    version: int,
    topic: str,
    state: bytes,
    command_digest: str,
) -> bytes | None:
    """The compact form of ``entry``, or None if it would not expand to ``entry``
    (the arguments after ``time`` are what :func:`expand_entry` reads from other
    columns)."""
    if not (time.isascii() and _int_ok(schema, part, count)):
        return None
    stored = ROW_TAG + f"{schema},{part},{count},{_time_code(time)}".encode("ascii")
    expanded = expand_entry(
        stored,
        position=position,
        prev=prev,
        stream=stream,
        version=version,
        topic=topic,
        state=state,
        command_digest=command_digest,
    )
    return stored if expanded == entry else None


def _int_ok(*values: object) -> bool:
    return all(type(v) is int and v >= 0 for v in values)


def entry_part(stored: bytes) -> tuple[int, int] | None:
    """(part, count) of a compact entry, or None if it is not one."""
    fields = _entry_fields(stored)
    return None if fields is None else (fields[1], fields[2])


def entry_fields(stored: bytes) -> tuple[int, int, int, str] | None:
    """(schema, part, count, time) of a compact entry, or None if it is not a readable
    one: with the row's position, the previous row's entry hash, the stored event and
    its command's evidence, all the entry's fields (:func:`expand_entry`)."""
    return _entry_fields(stored)


def _entry_fields(stored: bytes) -> tuple[int, int, int, str] | None:
    if not is_compact(stored):
        return None
    try:
        schema, part, count, code = stored[1:].decode("ascii").split(",", 3)
        time = _time_of(code)
        if time is None or not all(t.isdigit() for t in (schema, part, count)):
            return None
        return int(schema), int(part), int(count), time
    except (UnicodeDecodeError, ValueError, OverflowError, OSError):
        return None


def expand_entry(
    stored: bytes,
    *,
    position: int,
    prev: bytes,
    stream: str,
    version: int,
    topic: str,
    state: bytes,
    command_digest: str,
) -> bytes | None:
    """The entry bytes a compact ``entry`` column stands for (None if it is not a
    readable compact entry). ``prev``: the previous row's stored entry hash;
    ``command_digest``: the SHA-256 (hex) of the command's evidence as expanded."""
    fields = _entry_fields(stored)
    if fields is None:
        return None
    return _entry_of(
        fields,
        position=position,
        prev=prev,
        stream=stream,
        version=version,
        topic=topic,
        state=state,
        command_digest=command_digest,
    )


def _entry_of(
    fields: tuple[int, int, int, str],
    *,
    position: int,
    prev: bytes,
    stream: str,
    version: int,
    topic: str,
    state: bytes,
    command_digest: str,
) -> bytes | None:
    schema, part, count, time = fields
    try:
        return entry_text(
            command_digest=command_digest,
            event_digest=sha256(state).hex(),
            part=part,
            count=count,
            position=position,
            prev=prev.hex(),
            schema=schema,
            stream=stream,
            time=time,
            topic=topic,
            version=version,
        )
    except UnicodeEncodeError:
        return None


# --- evidence -------------------------------------------------------------------------


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
#: Text RFC 8785 writes as it is between quotes: printable ASCII but ``"`` and ``\\``.
_PLAIN = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*")


def _canonical_texts(value: dict[str, str]) -> bytes:
    """RFC 8785 of an object whose keys are ASCII and whose values are all strings:
    Python's encoder escapes strings exactly as RFC 8785 does (``"``, ``\\`` and the
    C0 controls, short forms for ``\\b \\t \\n \\f \\r``)."""
    return _ENCODER.encode(value).encode("utf-8")


def _json_text(text: str) -> str:
    return f'"{text}"' if _PLAIN.fullmatch(text) else _ENCODER.encode(text)


def _digest_line(body: str) -> str:
    digest = base64.b64encode(sha256(body.encode("utf-8"))).decode("ascii")
    return f'"content-digest": sha-256=:{digest}:'


_EMPTY_DIGEST = '"content-digest": sha-256=::'


def compact_evidence(evidence: bytes, key: str, nonce: str) -> bytes | None:
    """The compact form of stored ``evidence`` for a row whose ``actor_key`` is ``key``
    and ``nonce`` is ``nonce``, or None if it would not expand to ``evidence``."""
    try:
        outer = json.loads(evidence)
        signature = base64.b64decode(outer["signature"], validate=True)
        signed = outer["signed"]
        scheme = outer["scheme"]
        if not isinstance(signed, str) or len(signature) != _SIGNATURE:
            return None
        if scheme == COMMAND_SCHEME and set(outer) == {"key", "scheme", "signature", "signed"}:
            text = signed.replace(f'"actor":{_json_text(key)},', "", 1)
            text = text.replace(f'"nonce":{_json_text(nonce)},', "", 1)
            stored = ROW_TAG + _COMMAND + signature + text.encode("utf-8")
        elif scheme == HTTP_SCHEME and set(outer) == {
            "body",
            "key",
            "scheme",
            "signature",
            "signed",
        }:
            body = outer["body"]
            if not isinstance(body, str) or "\x00" in signed:
                return None
            text = signed.replace(_digest_line(body), _EMPTY_DIGEST, 1)
            text = text.replace(f';keyid="{key}"', ';keyid=""', 1)
            text = text.replace(f';nonce="{nonce}"', ';nonce=""', 1)
            stored = ROW_TAG + _HTTP + signature + f"{text}\x00{body}".encode()
        else:
            return None
    except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error):
        return None
    return stored if expand_evidence(stored, key, nonce) == evidence else None


def expand_evidence(stored: bytes, key: str | None, nonce: str | None) -> bytes | None:
    """The evidence bytes a compact ``command`` column stands for, given the row's
    ``actor_key`` and ``nonce`` (None if it is not readable compact evidence)."""
    found = evidence_object(stored, key, nonce)
    return None if found is None else evidence_text(found)


def evidence_text(found: dict[str, str]) -> bytes:
    """The evidence bytes of an object :func:`evidence_object` gives."""
    return _canonical_texts(found)


def evidence_object(stored: bytes, key: str | None, nonce: str | None) -> dict[str, str] | None:
    """The evidence object (its JSON read) a compact ``command`` column stands for:
    :func:`expand_evidence` is its RFC 8785 form (None if it is not readable compact
    evidence)."""
    if not is_compact(stored) or key is None or nonce is None or len(stored) < 2 + _SIGNATURE:
        return None
    kind, signature = stored[1:2], stored[2 : 2 + _SIGNATURE]
    try:
        text = stored[2 + _SIGNATURE :].decode("utf-8")
    except UnicodeDecodeError:
        return None
    signature_text = base64.b64encode(signature).decode("ascii")
    if kind == _COMMAND:
        at = text.find('"created":')
        rest = text.find('"params":', at)
        if at < 0 or rest < 0:
            return None
        signed = (
            f'{text[:at]}"actor":{_json_text(key)},{text[at:rest]}'
            f'"nonce":{_json_text(nonce)},{text[rest:]}'
        )
        return {"key": key, "scheme": COMMAND_SCHEME, "signature": signature_text, "signed": signed}
    if kind == _HTTP:
        base, nul, body = text.partition("\x00")
        if not nul:
            return None
        base = base.replace(_EMPTY_DIGEST, _digest_line(body), 1)
        base = base.replace(';keyid=""', f';keyid="{key}"', 1)
        base = base.replace(';nonce=""', f';nonce="{nonce}"', 1)
        return {
            "body": body,
            "key": key,
            "scheme": HTTP_SCHEME,
            "signature": signature_text,
            "signed": base,
        }
    return None


def evidence_bytes(stored: bytes, key: str | None, nonce: str | None) -> bytes:
    """A stored ``command`` column's evidence bytes: expanded if compact (and readable),
    else as stored."""
    if is_compact(stored):
        expanded = expand_evidence(stored, key, nonce)
        if expanded is not None:
            return expanded
    return stored


#: What :func:`expand_rows` reads of each row: (position, stored entry, entry hash,
#: stored command or None, actor key, nonce, stream or None, version, topic, state).
RowParts = tuple[
    int, bytes, bytes, "bytes | None", "str | None", "str | None", "str | None", int, str, bytes
]
#: (entry hash, stored command or None, actor key, nonce) of a row by position.
Neighbour = tuple[bytes, "bytes | None", "str | None", "str | None"]


def expand_rows(
    rows: Sequence[RowParts], neighbours: Callable[[list[int]], dict[int, Neighbour]]
) -> list[tuple[bytes, bytes | None]]:
    """(entry, evidence or None) of each row, expanded where stored compact.

    A compact entry needs the previous row's entry hash and its command's evidence
    (on the command's first row); rows outside ``rows`` are read with ``neighbours``
    (positions -> their parts), once for the whole batch. A row that cannot be
    expanded -- its event, neighbour or evidence missing or unreadable -- keeps its
    stored bytes, and its hashes fail."""
    hashes: dict[int, bytes] = {}
    evidence: dict[int, bytes] = {}
    parsed: dict[int, tuple[int, int, int, str]] = {}
    for position, _stored, entry_hash, command, key, nonce, *__ in rows:
        hashes[position] = entry_hash
        if command is not None:
            evidence[position] = evidence_bytes(command, key, nonce)
    need: set[int] = set()
    for position, entry, *__ in rows:
        found = _entry_fields(entry) if entry[:1] == ROW_TAG else None
        if found is None:
            continue
        parsed[position] = found
        if position > 1 and position - 1 not in hashes:
            need.add(position - 1)
        if position - found[1] not in evidence:
            need.add(position - found[1])
    if need:
        for position, (entry_hash, command, key, nonce) in neighbours(sorted(need)).items():
            hashes[position] = entry_hash
            if command is not None:
                evidence[position] = evidence_bytes(command, key, nonce)
    digests: dict[int, str] = {}
    out: list[tuple[bytes, bytes | None]] = []
    for row in rows:
        position, entry, command = row[0], row[1], row[3]
        stream, version, topic, state = row[6], row[7], row[8], row[9]
        fields = parsed.get(position)
        first = -1 if fields is None else position - fields[1]
        prev = ZERO_HASH if position == 1 else hashes.get(position - 1)
        if fields is not None and stream is not None and prev is not None and first in evidence:
            digest = digests.get(first)
            if digest is None:
                digest = digests[first] = sha256(evidence[first]).hex()
            expanded = _entry_of(
                fields,
                position=position,
                prev=prev,
                stream=stream,
                version=version,
                topic=topic,
                state=state,
                command_digest=digest,
            )
            if expanded is not None:
                entry = expanded
        out.append((entry, None if command is None else evidence[position]))
    return out
