"""Command evidence: who asked for a command, with the proof, in one of two schemes.

Stored evidence is a JSON object with ``scheme``, ``key``, ``signed`` (the signed
text, verbatim) and ``signature`` (base64 of 64 bytes). A verifier never
re-serialises anything: it checks the signature over bytes taken from ``signed``.

* ``shuangsui-command-v1``: ``signed`` is the RFC 8785 form of ``{action, params,
  actor, created, nonce}``; the message the key signed is ``"shuangsui/command/v1\\n"
  || signed``.
* ``rfc9421``: a write request to the HTTP API signed with RFC 9421 HTTP Message
  Signatures. ``signed`` is the signature base (RFC 9421 section 2.5) verbatim and
  ``body`` the request content as text. The base must cover ``"@method"``,
  ``"@path"`` and ``"content-digest"`` (RFC 9530, sha-256) with ``created``,
  ``keyid``, ``nonce`` and the ``tag`` ``shuangsui-api-v1``; the digest must match
  the body; the route (method and path) names the action, and the body plus the
  path's variables are its parameters.

The HTTP route table is part of the evidence format, but it is *not defined here*:
it comes from the typed commands (:meth:`ledger.commanding.Registry.route_table`) and
is passed in as a :class:`RouteTable` to everything that parses evidence.

Invariants: a route's ``{name:int}`` variable is at most nine decimal digits (so
nothing larger reaches a database column), otherwise the path names no command; a
body may not repeat a path variable; the attachment field, if the route has one, is
taken out of the body and never becomes a parameter.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ledger.audit.errors import EvidenceError
from ledger.audit.hashing import sha256
from ledger.audit.messages import _

COMMAND_SIGNATURE_CONTEXT = b"shuangsui/command/v1\n"
COMMAND_SCHEME = "shuangsui-command-v1"
#: A request to the HTTP API signed with RFC 9421 HTTP Message Signatures.
HTTP_SCHEME = "rfc9421"
#: The ``tag`` every API request signature carries, so no signature made for another
#: application is ever taken as a command here.
HTTP_SIGNATURE_TAG = "shuangsui-api-v1"
#: Path integers have at most this many digits.
MAX_INT_DIGITS = 9


# --- the route table (passed in) ------------------------------------------------------


@dataclass(frozen=True)
class ActionRoute:
    """One row of the route table: the write request (method, path template) that names
    ``action``. ``{name}`` is a text path variable, ``{name:int}`` an integer; the
    attachment field, if any, is carried by the body but handed to the command as its
    bulk attachment rather than a parameter."""

    method: str
    template: str
    action: str
    attachment: str | None = None


class RouteTable:
    """The routes that name commands, in order; each path pattern compiled once.

    The first route whose method matches and whose pattern matches the whole path
    decides (a later route is never tried, even if that route's integer is out of
    bounds).
    """

    __slots__ = ("_compiled", "routes")

    def __init__(self, routes: Iterable[ActionRoute] = ()) -> None:
        self.routes: tuple[ActionRoute, ...] = tuple(routes)
        self._compiled = tuple(
            (route, _route_pattern(route.template), _int_variables(route.template))
            for route in self.routes
        )

    def __iter__(self) -> Iterator[ActionRoute]:
        return iter(self.routes)

    def __len__(self) -> int:
        return len(self.routes)

    def __repr__(self) -> str:
        return f"RouteTable({len(self.routes)} routes)"

    def route_for(self, method: str, path: str) -> tuple[str, dict[str, Any], str | None] | None:
        """The (action, path variables, attachment field) a write request names, if any."""
        for route, pattern, integers in self._compiled:
            if route.method != method:
                continue
            found = pattern.fullmatch(path)
            if found:
                values: dict[str, Any] = {}
                for name, text in found.groupdict().items():
                    value = urllib.parse.unquote(text)
                    if name in integers:
                        if not (value.isascii() and value.isdigit()) or len(value) > MAX_INT_DIGITS:
                            return None
                        values[name] = int(value)
                    else:
                        values[name] = value
                return route.action, values, route.attachment
        return None


def _route_pattern(template: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\{(\w+)(?::int)?\}", r"(?P<\1>[^/]+)", template))


def _int_variables(template: str) -> frozenset[str]:
    return frozenset(re.findall(r"\{(\w+):int\}", template))


# --- evidence -------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """Who asked for a command, and the proof.

    ``message`` is exactly the byte string the actor's key signed; ``signature`` the
    Ed25519 signature over it. The stored form is a JSON object with ``scheme``,
    ``key``, ``signed`` (the signed text, verbatim) and ``signature`` (base64), so a
    verifier never re-serialises anything. Scheme ``shuangsui-command-v1``: the signed
    text is the RFC 8785 form of ``{action, params, actor, created, nonce}`` and the
    message is ``"shuangsui/command/v1\n" || text``.
    """

    scheme: str
    key: str
    nonce: str
    created: int
    action: str
    params: Any
    message: bytes
    signature: bytes
    attachment: Any = None


def b64decode(text: Any) -> bytes:
    """Base64 as evidence and key events hold it (validated alphabet, padded);
    raises :class:`EvidenceError`."""
    if not isinstance(text, str):
        raise EvidenceError(_("expected base64 text"))
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EvidenceError(_("bad base64: {exc}", exc=exc)) from exc


def parse_evidence(data: bytes, routes: RouteTable) -> Evidence:
    """Parse stored evidence bytes; raises :class:`EvidenceError`.

    ``routes`` names the action of ``rfc9421`` evidence (the command scheme names its
    action itself and never looks at it)."""
    try:
        outer = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EvidenceError(_("evidence is not JSON: {exc}", exc=exc)) from exc
    if not isinstance(outer, dict):
        raise EvidenceError(_("evidence is not an object"))
    return evidence_of(outer, routes)


def evidence_of(outer: dict[str, Any], routes: RouteTable) -> Evidence:
    """:func:`parse_evidence` of the evidence object once read from its JSON (the
    replay reads a compact row's object without writing and reading it as JSON)."""
    scheme = outer.get("scheme")
    signature = b64decode(outer.get("signature"))
    if len(signature) != 64:
        raise EvidenceError(_("signature is not 64 bytes"))
    signed = outer.get("signed")
    if not isinstance(signed, str):
        raise EvidenceError(_("evidence has no signed text"))
    if scheme == HTTP_SCHEME:
        return _http_evidence(outer, signed, signature, routes)
    if scheme == COMMAND_SCHEME:
        try:
            command = json.loads(signed)
        except ValueError as exc:
            raise EvidenceError(_("signed command is not JSON: {exc}", exc=exc)) from exc
        if not isinstance(command, dict):
            raise EvidenceError(_("signed command is not an object"))
        key, nonce = command.get("actor"), command.get("nonce")
        created, action = command.get("created"), command.get("action")
        if outer.get("key") != key:
            raise EvidenceError(_("evidence key differs from the command's actor"))
        message = COMMAND_SIGNATURE_CONTEXT + signed.encode("utf-8")
        params = command.get("params")
    else:
        raise EvidenceError(_("unknown evidence scheme {scheme!r}", scheme=scheme))
    if not (isinstance(key, str) and isinstance(nonce, str) and nonce):
        raise EvidenceError(_("evidence lacks a key id or nonce"))
    if not isinstance(created, int) or isinstance(created, bool):
        raise EvidenceError(_("evidence lacks a created time"))
    if not isinstance(action, str) or not action:
        raise EvidenceError(_("evidence lacks an action"))
    return Evidence(
        scheme=scheme,
        key=key,
        nonce=nonce,
        created=created,
        action=action,
        params=params,
        message=message,
        signature=signature,
    )


# --- RFC 9421: a signed API request as evidence -------------------------------------------

_BASE_LINE = re.compile(r'^"([^"\\]+)"((?:;[^:]*)?): (.*)$')
# A quoted sf-string is written ``"[^"\\]*(?:\\.[^"\\]*)*"``: the same strings as
# ``"(?:[^"\\]|\\.)*"``, matched without trying an alternative at every character.
_SIG_PARAMS = re.compile(
    r'^\(((?:"[^"\\]+"(?:;[^ )]*)? ?)*)\)((?:;[^;=]+=(?:"[^"\\]*(?:\\.[^"\\]*)*"|-?[0-9]+))*)$'
)
_SIG_PARAM = re.compile(r';([a-z0-9_.*-]+)=("[^"\\]*(?:\\.[^"\\]*)*"|-?[0-9]+)')
_DIGEST = re.compile(r"(?:^|,)\s*sha-256=:([A-Za-z0-9+/=]+):\s*(?:,|$)")
_SF_ESCAPE = re.compile(r'\\(["\\])')


def _sf_string(text: str) -> str:
    inner = text[1:-1]
    return _SF_ESCAPE.sub(r"\1", inner) if "\\" in inner else inner


def parse_signature_base(base: str) -> tuple[dict[str, str], list[str], dict[str, Any]]:
    """(component values, covered ids in order, signature parameters) of an RFC 9421
    signature base; raises :class:`EvidenceError` if it is not one."""
    lines = base.split("\n")
    values: dict[str, str] = {}
    order: list[str] = []
    for line in lines[:-1]:
        found = _BASE_LINE.match(line)
        if not found or found.group(2):
            raise EvidenceError(
                _("signature base line {line!r} is not a plain component", line=line[:60])
            )
        name = found.group(1)
        if name in values or name == "@signature-params":
            raise EvidenceError(_("component {name!r} repeated in the signature base", name=name))
        values[name] = found.group(3)
        order.append(name)
    last = _BASE_LINE.match(lines[-1])
    if not last or last.group(1) != "@signature-params":
        raise EvidenceError(_("the signature base does not end with @signature-params"))
    found = _SIG_PARAMS.match(last.group(3))
    if not found:
        raise EvidenceError(_("unreadable @signature-params"))
    covered = re.findall(r'"([^"]+)"', found.group(1))
    if covered != order:
        raise EvidenceError(_("@signature-params does not list the base's components"))
    params: dict[str, Any] = {}
    for key, value in _SIG_PARAM.findall(found.group(2)):
        params[key] = _sf_string(value) if value.startswith('"') else int(value)
    return values, order, params


def _http_evidence(
    outer: dict[str, Any], base: str, signature: bytes, routes: RouteTable
) -> Evidence:
    body = outer.get("body")
    if not isinstance(body, str):
        raise EvidenceError(_("rfc9421 evidence has no body text"))
    values, __, params = parse_signature_base(base)
    for needed in ("@method", "@path", "content-digest"):
        if needed not in values:
            raise EvidenceError(_("the request signature does not cover {needed}", needed=needed))
    if params.get("tag") != HTTP_SIGNATURE_TAG:
        raise EvidenceError(
            _(
                "the request signature's tag is not {tag!r}",
                tag=HTTP_SIGNATURE_TAG,
            )
        )
    if params.get("alg", "ed25519") != "ed25519":
        raise EvidenceError(_("the request signature's alg is not ed25519"))
    key, nonce, created = params.get("keyid"), params.get("nonce"), params.get("created")
    if outer.get("key") != key:
        raise EvidenceError(_("evidence key differs from the signature's keyid"))
    digest = _DIGEST.search(values["content-digest"])
    if not digest or b64decode(digest.group(1)) != sha256(body.encode("utf-8")):
        raise EvidenceError(_("the content-digest does not match the request body"))
    route = routes.route_for(values["@method"], values["@path"])
    if route is None:
        raise EvidenceError(
            _("no command is {method} {path}", method=values["@method"], path=values["@path"])
        )
    action, variables, attachment_field = route
    try:
        request = json.loads(body)
    except ValueError as exc:
        raise EvidenceError(_("the request body is not JSON: {exc}", exc=exc)) from exc
    if not isinstance(request, dict):
        raise EvidenceError(_("the request body is not a JSON object"))
    attachment = request.pop(attachment_field, None) if attachment_field else None
    clash = set(variables) & set(request)
    if clash:
        raise EvidenceError(
            _("the body repeats the path's {clash}", clash=", ".join(sorted(clash)))
        )
    if not (isinstance(key, str) and isinstance(nonce, str) and nonce):
        raise EvidenceError(_("evidence lacks a key id or nonce"))
    if not isinstance(created, int):
        raise EvidenceError(_("evidence lacks a created time"))
    return Evidence(
        scheme=HTTP_SCHEME,
        key=key,
        nonce=nonce,
        created=created,
        action=action,
        params={**request, **variables},
        message=base.encode("utf-8"),
        signature=signature,
        attachment=attachment,
    )
