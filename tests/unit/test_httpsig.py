"""RFC 9421 request signatures as command evidence: made, checked, and tampered with.

The writing side (api.httpsig, with http-message-signatures) and the offline side
(ledger.audit, stdlib + PyNaCl) must agree on every byte; each tamper case must
fail on the offline side, never silently pass.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import Any

import pytest

from api.httpsig import SignatureMissingError, sign_request, verify_request
from ledger.audit.errors import EvidenceError
from ledger.audit.evidence import parse_evidence, parse_signature_base
from ledger.audit.hashing import signature_ok
from ledger.bootstrap import route_table
from ledger.errors import AuthorisationError, KeyNotValidError
from tests.support.county import key_for

route_for = route_table().route_for
KEY = key_for("httpsig TEST-ONLY")
URL = "http://ledger.example/api/v1/tasks/T-1/draws/2/recusals"
BODY = json.dumps(
    {"object": "91512021MA6CXXXX00", "person": "S1", "reason": "亲属"}, ensure_ascii=False
).encode()


@dataclass
class FakeKey:
    key_id: str
    public_key_bytes: bytes
    roles: tuple[str, ...] = ("department",)


def lookup(key_id: str) -> FakeKey:
    if key_id != KEY.key_id:
        raise KeyNotValidError(f"key {key_id} is not registered in this ledger")
    return FakeKey(KEY.key_id, KEY.public.public_key)


def signed(body: bytes = BODY, url: str = URL, **kw: Any) -> tuple[dict[str, str], bytes]:
    headers = {"Content-Type": "application/json"}
    headers.update(sign_request(KEY, "POST", url, body, headers, **kw))
    return headers, body


def evidence(
    headers: dict[str, str] | None = None, body: bytes = BODY, url: str = URL
) -> dict[str, Any]:
    if headers is None:
        headers, body = signed(body, url)
    verified = verify_request(lookup, "POST", url, headers, body, window=300)
    out: dict[str, Any] = json.loads(verified.evidence(body))
    return out


def parse(doc: dict[str, Any]) -> Any:
    return parse_evidence(json.dumps(doc, ensure_ascii=False).encode(), route_table())


def test_a_signed_request_is_command_evidence() -> None:
    doc = evidence()
    parsed = parse(doc)
    assert parsed.scheme == "rfc9421" and parsed.key == KEY.key_id
    assert parsed.action == "draw.recuse"
    assert parsed.params == {
        "object": "91512021MA6CXXXX00",
        "person": "S1",
        "reason": "亲属",
        "task": "T-1",
        "draw": 2,
    }
    assert abs(parsed.created - time.time()) < 5 and parsed.nonce
    assert signature_ok(KEY.public.public_key, parsed.message, parsed.signature)
    _, covered, params = parse_signature_base(doc["signed"])
    assert covered == ["@method", "@path", "content-digest"]
    assert params["tag"] == "shuangsui-api-v1" and params["keyid"] == KEY.key_id


def test_tampered_evidence_fails_offline() -> None:
    doc = evidence()
    # the body changed: the signed digest no longer matches
    with pytest.raises(EvidenceError, match="content-digest"):
        parse({**doc, "body": doc["body"].replace("亲属", "同学")})
    # the path changed in the base: it parses, but the signature does not verify
    moved = parse({**doc, "signed": doc["signed"].replace("/draws/2/", "/draws/3/")})
    assert moved.params["draw"] == 3
    assert not signature_ok(KEY.public.public_key, moved.message, moved.signature)
    # a flipped signature bit
    raw = bytearray(base64.b64decode(doc["signature"]))
    raw[0] ^= 1
    flipped = parse({**doc, "signature": base64.b64encode(bytes(raw)).decode()})
    assert not signature_ok(KEY.public.public_key, flipped.message, flipped.signature)
    # another key claimed
    with pytest.raises(EvidenceError, match="keyid"):
        parse({**doc, "key": "0000000000000000"})
    # components or parameters removed, or a foreign tag
    base = doc["signed"]
    without_digest = "\n".join(
        line for line in base.split("\n") if not line.startswith('"content-digest"')
    )
    with pytest.raises(EvidenceError):
        parse({**doc, "signed": without_digest})
    with pytest.raises(EvidenceError, match="tag"):
        parse({**doc, "signed": base.replace("shuangsui-api-v1", "other-app")})
    with pytest.raises(EvidenceError, match="no command"):
        parse({**doc, "signed": base.replace("/recusals", "/nowhere")})
    with pytest.raises(EvidenceError, match=r"content-digest"):
        parse({**doc, "body": "[1, 2]"})


def test_route_table_edges() -> None:
    assert route_for("POST", "/api/v1/plans/2026/drafts") == ("plans.draft", {"year": 2026}, None)
    assert route_for("POST", "/api/v1/plans/twenty/drafts") is None
    assert route_for("GET", "/api/v1/plans/2026/drafts") is None
    assert route_for("POST", "/api/v1/directory/imports/I-1/batches") == (
        "directory.import.batch",
        {"import_id": "I-1"},
        "rows",
    )
    assert route_for("POST", "/api/v1/departments/%E5%B8%82/sections")[1] == {"department": "市"}


def test_a_body_may_not_repeat_a_path_variable() -> None:
    body = json.dumps({"task": "T-2", "object": "X", "person": "S1", "reason": "r"}).encode()
    headers, _ = signed(body)
    doc = evidence(headers, body)
    with pytest.raises(EvidenceError, match="repeats"):
        parse(doc)


def test_refusals_before_evidence() -> None:
    headers, body = signed()
    with pytest.raises(SignatureMissingError):
        verify_request(lookup, "POST", URL, {"Content-Type": "application/json"}, body, window=300)
    with pytest.raises(AuthorisationError):  # body changed after signing
        verify_request(lookup, "POST", URL, headers, body.replace(b"S1", b"S2"), window=300)
    with pytest.raises(AuthorisationError):  # signed for another URL path
        verify_request(lookup, "POST", URL.replace("recusals", "dice"), headers, body, window=300)
    stale, _ = signed(created=int(time.time()) - 1000)
    with pytest.raises(AuthorisationError, match="window"):
        verify_request(lookup, "POST", URL, stale, body, window=300)
    other = key_for("someone else TEST-ONLY")
    foreign = {"Content-Type": "application/json"}
    foreign.update(sign_request(other, "POST", URL, body, foreign))
    with pytest.raises(KeyNotValidError):
        verify_request(lookup, "POST", URL, foreign, body, window=300)


def test_signed_reads_cover_the_query() -> None:
    url = "http://ledger.example/api/v1/deadlines?status=overdue"
    headers = sign_request(KEY, "GET", url)
    verified = verify_request(lookup, "GET", url, headers, b"", window=300)
    assert verified.key.key_id == KEY.key_id
    with pytest.raises(AuthorisationError):
        verify_request(lookup, "GET", url.replace("overdue", "met"), headers, b"", window=300)


@pytest.mark.parametrize("created", ["１７００００００００", "١٧٠٠٠٠٠٠٠٠"])
def test_signature_parameters_are_ascii_integers(created: str) -> None:
    # RFC 8941 integers are ASCII digits; int() would also read these, so the auditor and the
    # server could disagree on what a signed text says.
    base = (
        '"@method": POST\n'
        f'"@signature-params": ("@method");created={created};keyid="k";alg="ed25519"'
    )
    with pytest.raises(EvidenceError):
        parse_signature_base(base)


# --- the common form, without the library's general machinery (issue 15.2) ---------------


def _library_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import api.httpsig

    monkeypatch.setattr(api.httpsig, "_fast_sign", lambda *a: None)
    monkeypatch.setattr(api.httpsig, "_fast_verify", lambda *a: None)


REQUESTS = [
    ("POST", URL, BODY),
    ("POST", "http://127.0.0.1:8080/api/v1/notes", b'{"text":"x"}'),
    ("POST", "https://ledger.example/api/v1/items/A%20B/x", b"{}"),
    ("GET", "http://ledger.example/api/v1/deadlines", None),
    ("GET", "http://ledger.example/api/v1/publications?limit=50&after=3", None),
    ("GET", "http://ledger.example/", None),
    ("HEAD", "http://ledger.example/api/v1/status?q=%E4%B8%AD", None),
]


@pytest.mark.parametrize(("method", "url", "body"), REQUESTS)
def test_the_fast_signer_writes_what_the_library_writes(
    method: str, url: str, body: bytes | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = [
        sign_request(KEY, method, url, body, {"Accept": "x"}, created=1795817221, nonce="n-1")
        for _ in range(2)
    ]
    _library_only(monkeypatch)
    library = sign_request(KEY, method, url, body, {"Accept": "x"}, created=1795817221, nonce="n-1")
    assert made[0] == made[1] == library
    assert list(made[0]) == list(library)  # the same header names, in the same order


def _outcome(method: str, url: str, headers: dict[str, str], body: bytes) -> tuple[Any, ...]:
    try:
        v = verify_request(lookup, method, url, headers, body, window=10**9, now=1795817221)
    except AuthorisationError as exc:
        return ("refused", type(exc).__name__, str(exc))
    return ("ok", v.key.key_id, v.base, v.signature, v.parameters)


def _variants(method: str, url: str, body: bytes | None) -> list[tuple[str, dict[str, str], bytes]]:
    """The request as signed, and tampered with in every way the fast path reads."""
    good = sign_request(KEY, method, url, body, created=1795817221, nonce="n-1")
    data = body or b""
    sig_input, signature = good["Signature-Input"], good["Signature"]
    flipped = base64.b64encode(
        bytes([base64.b64decode(signature[5:-1])[0] ^ 1]) + base64.b64decode(signature[5:-1])[1:]
    ).decode()
    out = [
        (url, dict(good), data),
        (url, {k.lower(): v for k, v in good.items()}, data),
        (url, {**good, "Signature": f"sig=:{flipped}:"}, data),
        (url, {**good, "Signature-Input": sig_input.replace("n-1", "n-2")}, data),
        (url, {**good, "Signature-Input": sig_input.replace(';alg="ed25519"', "")}, data),
        (url, {**good, "Signature-Input": " " + sig_input}, data),
        (
            url,
            {
                **good,
                "Signature-Input": sig_input.replace("sig=", "other="),
                "Signature": signature.replace("sig=", "other="),
            },
            data,
        ),
        (url, {**good, "Signature-Input": sig_input.replace("shuangsui-api-v1", "else")}, data),
        (
            url,
            {
                **good,
                "Signature-Input": sig_input.replace("created=1795817221", "created=99999999999"),
            },
            data,
        ),
        (
            url,
            {
                **good,
                "Signature-Input": sig_input.replace("created=1795817221", "created=01795817221"),
            },
            data,
        ),
        (url, {**good, "Signature-Input": sig_input.replace('nonce="n-1"', 'nonce=""')}, data),
        (url, {**good, "Signature-Input": sig_input.replace(KEY.key_id, "0" * 16)}, data),
        (url, {**good, "signature": signature}, data),
        (url + "#frag", dict(good), data),
        (url.replace("http://", "http://user@"), dict(good), data),
        (url + ("&" if "?" in url else "?") + "x=1", dict(good), data),
    ]
    if body is not None:
        digest = good["Content-Digest"]
        other = "sha-256=:" + base64.b64encode(bytes(32)).decode() + ":"
        out += [
            (url, dict(good), data + b" "),
            (url, {**good, "Content-Digest": other}, data),
            (url, {**good, "Content-Digest": digest + ", sha-512=:AAAA:"}, data),
            (url, {k: v for k, v in good.items() if k != "Content-Digest"}, data),
        ]
    return out


@pytest.mark.parametrize(("method", "url", "body"), REQUESTS)
def test_the_fast_verifier_decides_as_the_library(
    method: str, url: str, body: bytes | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import api.httpsig

    taken: list[bool] = []
    fast = api.httpsig._fast_verify

    def watched(*args: Any) -> Any:
        found = fast(*args)
        taken.append(found is not None)
        return found

    monkeypatch.setattr(api.httpsig, "_fast_verify", watched)
    cases = _variants(method, url, body)
    ours = [_outcome(method, u, h, b) for u, h, b in cases]
    assert ours[0][0] == "ok" and taken[0] and taken[1]  # the common form takes it
    _library_only(monkeypatch)
    assert [_outcome(method, u, h, b) for u, h, b in cases] == ours
