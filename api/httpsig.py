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
    moment = dt.datetime.fromtimestamp(created if created is not None else time.time(), dt.UTC)
    signer = HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519, key_resolver=_Keys(private=key)
    )
    signer.sign(
        message,
        key_id=key.key_id,
        created=moment,
        nonce=nonce or secrets.token_hex(16),
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
            "this request must be signed (RFC 9421 HTTP Message Signatures with your "
            "registered key; see 'shuangsui client --help')"
        )
    write = method.upper() not in ("GET", "HEAD")
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
        raise AuthorisationError(f"the request signature does not verify: {exc}") from exc
    if len(results) != 1:
        raise AuthorisationError("exactly one signature tagged for this API is expected")
    result = results[0]
    params = dict(result.parameters)
    if not isinstance(params.get("nonce"), str) or not params["nonce"]:
        raise AuthorisationError("the request signature has no nonce")
    created = params.get("created")
    moment = time.time() if now is None else now
    if not isinstance(created, int) or abs(moment - created) > window:
        raise AuthorisationError(
            f"the request was signed at {created}, outside the {window} s window around "
            f"the server's clock ({int(moment)}); check the signer's clock"
        )
    if (
        not write
        and "@query" not in {c.strip('"') for c in result.covered_components}
        and urlsplit(url).query
    ):
        raise AuthorisationError("a signed read with a query must cover @query")
    base = "\n".join(f"{name}: {value}" for name, value in result.covered_components.items())
    signature = _signature_bytes(headers, result.label)
    if not signature_ok(keys.key.public_key_bytes, base.encode("utf-8"), signature):
        raise AuthorisationError("the signature base could not be reproduced")
    return Verified(keys.key, base, signature, params)


def _signature_bytes(headers: Mapping[str, str], label: str) -> bytes:
    value = next(v for k, v in headers.items() if k.lower() == "signature")
    try:
        parsed: Any = http_sf.parse(value.encode("ascii"), tltype="dictionary")
        signature = parsed[label][0]
        if not isinstance(signature, bytes):
            raise TypeError("not a byte sequence")
        return signature
    except (http_sf.StructuredFieldError, KeyError, TypeError, UnicodeEncodeError) as exc:
        raise AuthorisationError(f"unreadable Signature header: {exc}") from exc
