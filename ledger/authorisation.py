"""Who asked for a command, with proof: signed commands and their stored evidence.

Every event in the ledger is caused by a command, and every command carries the
acting key's Ed25519 signature over canonical command bytes -- action, parameters,
actor key id, created time (Unix seconds) and a random nonce. The evidence is
stored verbatim with the first entry of the command (see :mod:`ledger.audit.evidence`,
which defines the format and checks it offline); this module makes and checks it
on the writing side with the same definitions.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ledger.audit.errors import EvidenceError
from ledger.audit.evidence import (
    COMMAND_SCHEME,
    COMMAND_SIGNATURE_CONTEXT,
    Evidence,
    RouteTable,
    evidence_of,
    parse_evidence,
)
from ledger.audit.hashing import sha256, signature_ok
from ledger.canonical import canonical_bytes
from ledger.errors import AuthorisationError
from ledger.i18n import _
from ledger.keys import SigningKey

#: For evidence that names its own action (``shuangsui-command-v1``).
NO_ROUTES = RouteTable()


@dataclass(frozen=True)
class Authorisation:
    """A command with the evidence of who asked for it, ready to be recorded."""

    evidence: bytes
    parsed: Evidence

    @classmethod
    def from_evidence(cls, evidence: bytes, routes: RouteTable) -> Authorisation:
        """Parse stored or received evidence; ``routes`` names the command of a signed
        HTTP request (``rfc9421``)."""
        try:
            return cls(evidence, parse_evidence(evidence, routes))
        except EvidenceError as exc:
            raise AuthorisationError(_("unreadable command evidence: {exc}", exc=exc)) from exc

    @property
    def digest(self) -> str:
        return sha256(self.evidence).hex()

    @property
    def key_id(self) -> str:
        return self.parsed.key

    @property
    def nonce(self) -> str:
        return self.parsed.nonce

    @property
    def action(self) -> str:
        return self.parsed.action

    @property
    def created(self) -> int:
        return self.parsed.created

    @property
    def params(self) -> Any:
        return self.parsed.params

    def verify(self, public_key: bytes) -> None:
        """Raise :class:`AuthorisationError` unless ``public_key`` made the signature."""
        if not signature_ok(public_key, self.parsed.message, self.parsed.signature):
            raise AuthorisationError(
                _(
                    "the signature on {action!r} was not made by key {key_id}",
                    action=self.action,
                    key_id=self.key_id,
                )
            )

    def check_fresh(self, now: float, window: int) -> None:
        if abs(now - self.created) > window:
            raise AuthorisationError(
                _(
                    "command created at {created} is outside the {window} s window around "
                    "the ledger's clock ({now}); check the signer's clock",
                    created=self.created,
                    window=window,
                    now=int(now),
                )
            )


class StoredAuthorisation(Authorisation):
    """An :class:`Authorisation` read from the evidence object of a compact chain row
    (:func:`ledger.audit.rows.evidence_object`) rather than from its bytes: the
    evidence bytes (the object's RFC 8785 form) are made when first read, e.g. for
    :attr:`digest` (a note's id)."""

    _evidence: Callable[[], bytes]

    def __init__(self, parsed: Evidence, evidence: Callable[[], bytes]) -> None:
        object.__setattr__(self, "parsed", parsed)
        object.__setattr__(self, "_evidence", evidence)

    def __getattr__(self, name: str) -> Any:
        # Only for attributes not set yet: ``evidence`` until it is first made.
        if name != "evidence":
            raise AttributeError(name)
        value = self._evidence()
        object.__setattr__(self, "evidence", value)
        return value

    @classmethod
    def from_object(
        cls, found: dict[str, Any], evidence: Callable[[], bytes], routes: RouteTable
    ) -> Authorisation:
        """As :meth:`Authorisation.from_evidence` of ``evidence()``, whose JSON is
        ``found``."""
        try:
            return cls(evidence_of(found, routes), evidence)
        except EvidenceError as exc:
            raise AuthorisationError(_("unreadable command evidence: {exc}", exc=exc)) from exc


def sign_command(
    key: SigningKey,
    action: str,
    params: Mapping[str, Any],
    *,
    created: int | None = None,
    nonce: str | None = None,
) -> Authorisation:
    """Sign ``action(params)`` with ``key``; the result can be executed by the ledger."""
    command = {
        "action": action,
        "params": dict(params),
        "actor": key.key_id,
        "created": int(time.time()) if created is None else created,
        "nonce": nonce or secrets.token_hex(16),
    }
    signed = canonical_bytes(command).decode("utf-8")
    signature = key.sign(COMMAND_SIGNATURE_CONTEXT + signed.encode("utf-8"))
    evidence = canonical_bytes(
        {
            "scheme": COMMAND_SCHEME,
            "key": key.key_id,
            "signed": signed,
            "signature": base64.b64encode(signature).decode("ascii"),
        }
    )
    # A signed command names its action itself: no route is ever looked up.
    return Authorisation.from_evidence(evidence, NO_ROUTES)
