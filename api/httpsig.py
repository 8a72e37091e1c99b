"""RFC 9421 HTTP Message Signatures for the API: signing requests, checking them, and
turning a signed write request into the command evidence the ledger stores.

Parsing and checking the HTTP message is the ``http-message-signatures`` library's
job (it also checks the RFC 9530 ``Content-Digest`` against the body); this module
adds the ledger's policy: the ``tag``, the components every request must cover, a
nonce, the freshness window, and a key that is valid in the ledger now. A verified
write request becomes ``rfc9421`` evidence (the signature base verbatim, the
signature, the body), which :mod:`ledger.audit.evidence` checks offline with nothing but
PyNaCl.

Invariants: a request this module accepts verifies under PyNaCl over exactly the
base it stores (checked before anything is written); nothing here writes.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import http_sf
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    algorithms,
)
from http_message_signatures.exceptions import HTTPMessageSignaturesException

from ledger.audit.evidence import HTTP_SCHEME, HTTP_SIGNATURE_TAG, RouteTable
from ledger.audit.hashing import signature_ok
from ledger.authorisation import Authorisation
from ledger.canonical import canonical_bytes
from ledger.errors import AuthorisationError
from ledger.i18n import _
from ledger.keys import SigningKey

WRITE_COMPONENTS = ("@method", "@path", "content-digest")
READ_COMPONENTS = ("@method", "@path", "@query")


class SignatureMissingError(AuthorisationError):
    """The request carries no signature at all."""

    code = "signature-required"


@dataclass
class Message:
    """The request as the library reads it: method, URL and headers."""

    method: str
    url: str
    headers: Mapping[str, str]


class _Keys(HTTPSignatureKeyResolver):
    def __init__(self, lookup: Any = None, private: SigningKey | None = None) -> None:
        self.lookup, self.private = lookup, private
        self.key: Any = None
        self.error: Exception | None = None

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey:
        try:
            self.key = self.lookup(key_id)
        except Exception as exc:
            # Unknown, rotated or revoked -- or the database did not answer: kept, not
            # wrapped, so an outage is never reported as a bad signature.
            self.error = exc
            raise
        return Ed25519PublicKey.from_public_bytes(self.key.public_key_bytes)

    def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
        assert self.private is not None
        return Ed25519PrivateKey.from_private_bytes(self.private.seed)


def sign_request(
    key: SigningKey,
    method: str,
    url: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    *,
    created: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The headers (Content-Digest, Signature-Input, Signature) that sign a request.

    Writes (a body) cover ``@method``, ``@path`` and ``content-digest``; reads cover
    ``@method``, ``@path`` and ``@query``. The tag is the API's, the nonce random.
    """
    message = Message(method.upper(), url, dict(headers or {}))
    has_body = body is not None and message.method not in ("GET", "HEAD")
    signed_at = int(created if created is not None else time.time())
    nonce = nonce or secrets.token_hex(16)
    fast = _fast_sign(key, message, body if has_body else None, signed_at, nonce)
    if fast is not None:
        return fast
    moment = dt.datetime.fromtimestamp(signed_at, dt.UTC)
    signer = HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519, key_resolver=_Keys(private=key)
    )
    signer.sign(
        message,
        key_id=key.key_id,
        created=moment,
        nonce=nonce,
        tag=HTTP_SIGNATURE_TAG,
        label="sig",
        covered_component_ids=WRITE_COMPONENTS if has_body else READ_COMPONENTS,
        body=body if has_body else None,
    )
    return {
        k: v
        for k, v in message.headers.items()
        if k.lower() in ("content-digest", "signature-input", "signature")
    }


@dataclass(frozen=True)
class Verified:
    """A request whose signature checked out: the key, and for a write its evidence."""

    key: Any
    base: str
    signature: bytes
    parameters: dict[str, Any]

    def evidence(self, body: bytes) -> bytes:
        return canonical_bytes(
            {
                "scheme": HTTP_SCHEME,
                "key": self.key.key_id,
                "signed": self.base,
                "signature": base64.b64encode(self.signature).decode("ascii"),
                "body": body.decode("utf-8"),
            }
        )

    def authorisation(self, body: bytes, routes: RouteTable) -> Authorisation:
        """The write request as a command the ledger can execute (raises
        :class:`AuthorisationError` if the route or body names no command in
        ``routes``)."""
        return Authorisation.from_evidence(self.evidence(body), routes)


def verify_request(
    lookup: Any,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    window: int,
    now: float | None = None,
) -> Verified:
    """Check a request's signature; ``lookup(key_id)`` returns the ledger's valid key or
    raises. Raises :class:`SignatureMissingError` or :class:`AuthorisationError`."""
    if "signature" not in {k.lower() for k in headers}:
        raise SignatureMissingError(
            _(
                "this request must be signed (RFC 9421 HTTP Message Signatures with "
                "your registered key; see 'shuangsui client --help')"
            )
        )
    write = method.upper() not in ("GET", "HEAD")
    moment = time.time() if now is None else now
    fast = _fast_verify(lookup, method.upper(), url, headers, body, write, moment)
    if fast is not None:
        return _policy(*fast, url=url, write=write, window=window, moment=moment)
    keys = _Keys(lookup)
    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=keys)
    verifier.max_clock_skew = dt.timedelta(days=36500)  # the window is checked below
    message = Message(method.upper(), url, headers)
    try:
        results = verifier.verify(
            message,
            max_age=None,
            expect_tag=HTTP_SIGNATURE_TAG,
            require_components=WRITE_COMPONENTS if write else ("@method", "@path"),
            body=body if write else None,
        )
    except AuthorisationError:
        raise
    except (HTTPMessageSignaturesException, ValueError, TypeError) as exc:
        if isinstance(keys.error, AuthorisationError):
            raise keys.error from None
        if keys.error is not None:
            # the key lookup itself failed (the database): not a refusal; keep its cause
            raise keys.error from keys.error.__cause__
        raise AuthorisationError(
            _("the request signature does not verify: {exc}", exc=exc)
        ) from exc
    if len(results) != 1:
        raise AuthorisationError(_("exactly one signature tagged for this API is expected"))
    result = results[0]
    base = "\n".join(f"{name}: {value}" for name, value in result.covered_components.items())
    signature = _signature_bytes(headers, result.label)
    return _policy(
        keys.key,
        base,
        signature,
        dict(result.parameters),
        {c.strip('"') for c in result.covered_components},
        url=url,
        write=write,
        window=window,
        moment=moment,
        check_base=True,
    )


def _policy(
    key: Any,
    base: str,
    signature: bytes,
    params: dict[str, Any],
    covered: set[str],
    *,
    url: str,
    write: bool,
    window: int,
    moment: float,
    check_base: bool = False,
) -> Verified:
    """The ledger's own rules on a verified signature: a nonce, the freshness window, a
    read's query covered; and (``check_base``) PyNaCl over exactly the base stored."""
    if not isinstance(params.get("nonce"), str) or not params["nonce"]:
        raise AuthorisationError(_("the request signature has no nonce"))
    created = params.get("created")
    if not isinstance(created, int) or abs(moment - created) > window:
        raise AuthorisationError(
            _(
                "the request was signed at {created}, outside the {window} s window "
                "around the server's clock ({moment}); check the signer's clock",
                created=created,
                window=window,
                moment=int(moment),
            )
        )
    if not write and "@query" not in covered and urlsplit(url).query:
        raise AuthorisationError(_("a signed read with a query must cover @query"))
    if check_base and not signature_ok(key.public_key_bytes, base.encode("utf-8"), signature):
        raise AuthorisationError(_("the signature base could not be reproduced"))
    return Verified(key, base, signature, params)


# --- the common case, without the library's general machinery -------------------------
#
# The API's own client (and any client signing as it does) sends one signature, labelled
# ``sig``, over exactly WRITE_COMPONENTS (a write) or READ_COMPONENTS (a read), with the
# parameters in the order the library writes them, in the canonical Structured Field
# form. For such a request the signature base is the header text itself, so it is read
# with one regular expression and checked with one PyNaCl call. Invariant: the fast
# path accepts a request only if the library's path would accept it with the same key,
# base, signature and parameters (tests/unit/test_httpsig.py compares the two on good
# and tampered requests); anything else -- any doubt, and every refusal -- goes to the
# library's path, which also words the refusal.

_SF_TEXT = r"[\x20\x21\x23-\x5b\x5d-\x7e]*"  # an sf-string's content, nothing escaped
_SIGNATURE_PARAMS = (
    r'created=(0|[1-9][0-9]{0,10});keyid="(' + _SF_TEXT + r')";alg="ed25519";'
    r'nonce="(' + _SF_TEXT + r')";tag="' + re.escape(HTTP_SIGNATURE_TAG) + '"'
)
_FAST_INPUT = {
    True: re.compile(r'sig=(\("@method" "@path" "content-digest"\);' + _SIGNATURE_PARAMS + ")"),
    False: re.compile(r'sig=(\("@method" "@path" "@query"\);' + _SIGNATURE_PARAMS + ")"),
}
_FAST_SIGNATURE = re.compile(r"sig=:([A-Za-z0-9+/]{86}==):")
_FAST_DIGEST = re.compile(r"sha-256=:([A-Za-z0-9+/]{43}=):")
_URL_CHARS = r"(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})"
_FAST_URL = re.compile(
    r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(/"
    + _URL_CHARS
    + r"*)?(?:\?((?:"
    + _URL_CHARS
    + r"|\?)*))?"
)
_FAST_METHOD = re.compile(r"[A-Z]{1,16}")


def _only(headers: Mapping[str, str], name: str) -> str | None:
    """The value of the one header called ``name`` (any case); None if none or several."""
    found = [v for k, v in headers.items() if k.lower() == name]
    return found[0] if len(found) == 1 and isinstance(found[0], str) else None


def _fast_verify(
    lookup: Any,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    write: bool,
    moment: float,
) -> tuple[Any, str, bytes, dict[str, Any], set[str]] | None:
    """(key, base, signature, parameters, covered) of a request in the common form whose
    signature verifies; None for anything else (the library's path decides)."""
    signature_input = _only(headers, "signature-input")
    signature_text = _only(headers, "signature")
    url_parts = _FAST_URL.fullmatch(url)
    if signature_input is None or signature_text is None or url_parts is None:
        return None
    found = _FAST_INPUT[write].fullmatch(signature_input)
    sig = _FAST_SIGNATURE.fullmatch(signature_text)
    if found is None or sig is None or not _FAST_METHOD.fullmatch(method):
        return None
    created = int(found.group(2))
    # The library refuses a 'created' after its clock plus its skew (set to 100 years).
    if created > dt.datetime.now(dt.UTC).timestamp() + 36500 * 86400:
        return None
    lines = [f'"@method": {method}', f'"@path": {url_parts.group(1) or "/"}']
    if write:
        digest_text = _only(headers, "content-digest")
        digest = _FAST_DIGEST.fullmatch(digest_text) if digest_text is not None else None
        if digest is None or base64.b64decode(digest.group(1)) != hashlib.sha256(body).digest():
            return None
        lines.append(f'"content-digest": {digest_text}')
    else:
        lines.append(f'"@query": ?{url_parts.group(2) or ""}')
    lines.append(f'"@signature-params": {found.group(1)}')
    base = "\n".join(lines)
    signature = base64.b64decode(sig.group(1))
    try:
        key = lookup(found.group(3))
    except Exception:
        return None  # the library's path looks it up again and reports it as it does
    if not signature_ok(key.public_key_bytes, base.encode("ascii"), signature):
        return None
    params: dict[str, Any] = {
        "created": created,
        "keyid": found.group(3),
        "alg": "ed25519",
        "nonce": found.group(4),
        "tag": HTTP_SIGNATURE_TAG,
    }
    covered = set(WRITE_COMPONENTS if write else READ_COMPONENTS)
    return key, base, signature, params, covered


def _fast_sign(
    key: SigningKey, message: Message, body: bytes | None, created: int, nonce: str
) -> dict[str, str] | None:
    """The headers the library would write for a request in the common form (see
    above); None if the request is not in it (the library's path signs it)."""
    url_parts = _FAST_URL.fullmatch(message.url)
    if (
        url_parts is None
        or not _FAST_METHOD.fullmatch(message.method)
        or any(
            k.lower() in ("content-digest", "signature-input", "signature") for k in message.headers
        )
        or not re.fullmatch(_SF_TEXT, key.key_id)
        or not re.fullmatch(_SF_TEXT, nonce)
        or not 0 <= created < 10**11
    ):
        return None
    write = body is not None
    components = WRITE_COMPONENTS if write else READ_COMPONENTS
    inner = (
        "(" + " ".join(f'"{c}"' for c in components) + f");created={created};"
        f'keyid="{key.key_id}";alg="ed25519";nonce="{nonce}";tag="{HTTP_SIGNATURE_TAG}"'
    )
    lines = [f'"@method": {message.method}', f'"@path": {url_parts.group(1) or "/"}']
    out: dict[str, str] = {}
    if write:
        assert body is not None
        digest = "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"
        out["Content-Digest"] = digest
        lines.append(f'"content-digest": {digest}')
    else:
        lines.append(f'"@query": ?{url_parts.group(2) or ""}')
    lines.append(f'"@signature-params": {inner}')
    signature = key.sign("\n".join(lines).encode("ascii"))
    out["Signature-Input"] = f"sig={inner}"
    out["Signature"] = "sig=:" + base64.b64encode(signature).decode() + ":"
    return out


def _signature_bytes(headers: Mapping[str, str], label: str) -> bytes:
    value = next(v for k, v in headers.items() if k.lower() == "signature")
    try:
        parsed: Any = http_sf.parse(value.encode("ascii"), tltype="dictionary")
        signature = parsed[label][0]
        if not isinstance(signature, bytes):
            raise TypeError("not a byte sequence")
        return signature
    except (http_sf.StructuredFieldError, KeyError, TypeError, UnicodeEncodeError) as exc:
        raise AuthorisationError(_("unreadable Signature header: {exc}", exc=exc)) from exc
