"""Signing in to the pages (issue 13, clause 4) without weakening what a write means.

A browser cannot hold the CLI's key file as a file, so the login page reads it in the
browser (``static/sign.js``): the seed becomes a non-extractable WebCrypto Ed25519 key
kept in the browser, never sent. To sign in, the page fetches a challenge made here
(an HMAC of a time and a random value, valid for :data:`CHALLENGE_SECONDS`, bound to
the browser's session cookie and accepted once) and sends it back as an RFC 9421 signed
request, checked by the same code as any API request
(:func:`api.httpsig.verify_request`). The session cookie then says which registered key
signed in, for :data:`SESSION_SECONDS`; it serves *reads* behind a role
only. Every write from the pages is a separately signed request to the API's route, so
it is stored as the same evidence as a CLI or API write; the API never reads the cookie.
A key rotated or revoked since the login ends the session at its next request.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from typing import Any

from flask import Flask, Request, Response, current_app, jsonify, redirect, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from werkzeug.exceptions import Unauthorized

from api.auth import allow, request_url
from api.blueprints.common import service
from api.httpsig import verify_request
from api.pages.base import bp, link, render
from ledger.errors import AuthorisationError, KeyNotValidError, LedgerError, ValidationError

CHALLENGE_SECONDS = 120
SESSION_SECONDS = 8 * 3600
_used: dict[str, float] = {}
_used_lock = threading.Lock()


class SignInRequiredError(Unauthorized):
    """A page behind a role, and no signed-in key."""

    description = "请先用密钥文件登录（sign in with your key file first）。"


def session_secret(seed: bytes) -> bytes:
    """The cookie-signing secret, derived from the ledger key: the same in every worker
    of one ledger, and nothing to configure."""
    return hmac.new(seed, b"shuangsui-pages-session-v1", hashlib.sha256).digest()


def _mac(text: str) -> str:
    secret = current_app.secret_key
    assert isinstance(secret, bytes)
    return hmac.new(secret, b"challenge\n" + text.encode(), hashlib.sha256).hexdigest()


def new_challenge(now: float | None = None) -> str:
    body = f"{int(now if now is not None else time.time())}.{secrets.token_hex(16)}"
    return f"{body}.{_mac(body)}"


def take_challenge(token: str, now: float | None = None) -> None:
    """Accept a challenge this service made, unexpired, once."""
    moment = time.time() if now is None else now
    parts = token.split(".")
    if len(parts) != 3 or not hmac.compare_digest(_mac(f"{parts[0]}.{parts[1]}"), parts[2]):
        raise AuthorisationError("this sign-in challenge was not made by this service")
    if not parts[0].isdigit() or not 0 <= moment - int(parts[0]) <= CHALLENGE_SECONDS:
        raise AuthorisationError("the sign-in challenge has expired: reload the page")
    with _used_lock:
        for old, at in list(_used.items()):
            if moment - at > CHALLENGE_SECONDS:
                del _used[old]
        if token in _used:
            raise AuthorisationError("this sign-in challenge was already used")
        _used[token] = moment


class CookieFirstSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, but a request without the cookie (every API call)
    gets its empty session before a signing serializer is made for it, not after."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def actor() -> Any | None:
    """The registered key signed in to this browser, if any (and still valid)."""
    key_id = session.get("key")
    if not key_id or float(session.get("until", 0)) < time.time():
        return None
    try:
        return service().ledger.valid_key(str(key_id))
    except KeyNotValidError:
        session.clear()
        return None


def need(roles: frozenset[str], what: str) -> Any:
    """The signed-in key, if it holds one of ``roles``; else a sign-in or a refusal page."""
    key = actor()
    if key is None:
        raise SignInRequiredError()
    allow(key, roles, what)
    return key


@bp.route("/login", methods=["GET"])
def login_page() -> Response:
    """The sign-in page: choose the key file; the browser signs the challenge."""
    wanted = request.args.get("next", "")
    token = new_challenge()
    session["challenge"] = token  # bound to this browser: any worker can check it
    return render(
        "login.html",
        challenge=token,
        key=actor(),
        # only a path of this service: never "//host" or "/\\host" (an open redirect)
        next_url=wanted if re.fullmatch(r"/(?![/\\])\S*", wanted) else "",
    )


@bp.route("/login", methods=["POST"])
def login() -> Response:
    """A signed request carrying a challenge: the signer's key is signed in."""
    body = request.get_data(cache=True)
    try:
        verified = verify_request(
            service().ledger.valid_key,
            "POST",
            request_url(),
            dict(request.headers),
            body,
            window=service().settings.command_window,
        )
        sent = request.get_json(silent=True) or {}
        if not isinstance(sent, dict) or not isinstance(sent.get("challenge"), str):
            raise ValidationError('the body must be {"challenge": "..."}')
        if not hmac.compare_digest(str(session.get("challenge", "")), sent["challenge"]):
            raise AuthorisationError("this sign-in challenge was not given to this browser")
        take_challenge(sent["challenge"])
    except LedgerError as exc:
        response = jsonify({"error": exc.code, "detail": exc.message})
        response.status_code = exc.status
        return response
    session.clear()
    session.permanent = True
    session["key"] = verified.key.key_id
    session["until"] = time.time() + SESSION_SECONDS
    return jsonify(
        {
            "key_id": verified.key.key_id,
            "holder": verified.key.holder,
            "roles": list(verified.key.roles),
        }
    )


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    session.clear()
    return redirect(link("pages.login_page"), code=303)  # type: ignore[return-value]
