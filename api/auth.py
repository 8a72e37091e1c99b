"""Who may call what: signed requests and the permission matrix.

Every request that changes anything, and every read that is not public, carries an
RFC 9421 signature by a key registered in the ledger (:mod:`api.httpsig`). The
roles come from the key's registration event. The table below is the API's gate;
the command handlers then apply the finer rules (a department acts only on its own
lists, directories and tasks; an inspector enters results only for assignments of
theirs), so a command refused here would also be refused by the ledger.
"""

from __future__ import annotations

from typing import Any

from flask import g, request
from werkzeug.urls import iri_to_uri

from api.httpsig import Verified, verify_request
from ledger.bootstrap import registry
from ledger.errors import PermissionDeniedError
from ledger.i18n import _
from ledger.roles import ANY, LEDGER, OVERSIGHT_READ, STATE_READ, allowed
from ledger.roles import ROLES as KEY_ROLES

#: action -> the roles that may ask for it, from each typed command's declaration (the
#: ledger checks the same declaration again; the handler checks the rest).
WRITES: dict[str, frozenset[str]] = {c.ACTION: c.ROLES for c in registry() if c.ROUTE is not None}
#: The roles a caller of the API may hold (the ledger's own key never calls it).
ROLES = tuple(r for r in KEY_ROLES if r != LEDGER)

__all__ = ["ANY", "OVERSIGHT_READ", "ROLES", "STATE_READ", "WRITES", "authenticate", "require"]


def authenticate(*, command: bool = False) -> Verified:
    """Verify the current request's signature (once per request). ``command``: the
    request is a command, whose key the ledger's write transaction checks again."""
    verified: Verified | None = g.get("verified")
    if verified is None:
        from flask import current_app

        from api.service import Service

        service: Service = current_app.extensions["shuangsui"]
        body = request.get_data(cache=True)
        read = request.method.upper() in ("GET", "HEAD")
        verified = verify_request(
            # A command's key is checked again by the ledger's write transaction, so
            # the ledger's kept acting key will do; any other request's is looked up now.
            service.ledger.actor if command and not read else service.ledger.valid_key,
            request.method,
            request_url(),
            dict(request.headers),
            body,
            window=service.settings.command_window,
        )
        if read:
            # A read writes nothing to the log, so its nonce is remembered here (a
            # write's is refused by the ledger, which holds every command's nonce).
            service.read_nonces.claim(
                verified.key.key_id,
                str(verified.parameters["nonce"]),
                int(verified.parameters["created"]),
            )
        g.verified = verified
    return verified


def request_url() -> str:
    """The URL as the client sent it, percent-encoding and all (RFC 9421's @path and
    @query are the encoded forms; werkzeug's ``request.url`` is decoded)."""
    raw = request.environ.get("REQUEST_URI") or request.environ.get("RAW_URI")
    if not raw:
        return str(iri_to_uri(request.url))
    if raw.startswith(("http://", "https://")):
        return str(raw)
    return f"{request.scheme}://{request.host}{raw}"


def allow(key: Any, roles: frozenset[str], what: str) -> None:
    if allowed(key.roles, roles):
        return
    raise PermissionDeniedError(
        _(
            "{action} needs a key with role {roles}; key {actor_id} has {held}",
            action=what,
            roles=" or ".join(sorted(roles)),
            actor_id=key.key_id,
            held=", ".join(key.roles),
        )
    )


def require(roles: frozenset[str], what: str, *, command: bool = False) -> Verified:
    verified = authenticate(command=command)
    allow(verified.key, roles, what)
    return verified
