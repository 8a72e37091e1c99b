"""Every error the API returns, as ``application/problem+json`` (RFC 9457), from here.

A :class:`~ledger.errors.LedgerError` keeps its status, its stable code (the problem
type), its message and, for a refusal by a rule of the source document, the rule's
R-number; validation errors list each field. A database that cannot be reached is a
503 with ``Retry-After`` (:func:`unavailable`), never an authentication failure.
Anything unexpected is logged with its
traceback on the server and answered with a bare 500: no stack trace ever leaves.

Language: English unless the request's ``Accept-Language`` prefers Chinese (``zh``,
``zh-CN`` ...); then ``title``, ``detail`` and each field's reasons are the Chinese of
the catalogue (:mod:`ledger.i18n`) and ``Content-Language`` says ``zh-CN``. The problem
``type`` and the field names never change with the language.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, has_request_context, json, request
from werkzeug.exceptions import HTTPException

from ledger.errors import LedgerError
from ledger.i18n import _, language, render

log = logging.getLogger("shuangsui.api")
PROBLEM = "application/problem+json"

#: A problem type's title (the English is what the API always said).
TITLES = {
    "configuration": _("Configuration"),
    "storage": _("Storage"),
    "key-file": _("Key file"),
    "unauthenticated": _("Unauthenticated"),
    "replayed-nonce": _("Replayed nonce"),
    "key-not-valid": _("Key not valid"),
    "forbidden": _("Forbidden"),
    "not-found": _("Not found"),
    "conflict": _("Conflict"),
    "rule-violation": _("Rule violation"),
    "invalid-input": _("Invalid input"),
    "invalid-note": _("Invalid note"),
    "invalid-evidence": _("Invalid evidence"),
    "invalid-bundle": _("Invalid bundle"),
    "invalid-receipt": _("Invalid receipt"),
    "invalid-fork-proof": _("Invalid fork proof"),
    "signature-required": _("Signature required"),
    "witness-refused": _("Witness refused"),
}
#: Werkzeug's HTTP error names (the title of a problem the framework raised).
HTTP_TITLES = {
    "Bad Request": _("Bad Request"),
    "Unauthorized": _("Unauthorized"),
    "Forbidden": _("Forbidden"),
    "Not Found": _("Not Found"),
    "Method Not Allowed": _("Method Not Allowed"),
    "Not Acceptable": _("Not Acceptable"),
    "Conflict": _("Conflict"),
    "Request Entity Too Large": _("Request Entity Too Large"),
    "Unsupported Media Type": _("Unsupported Media Type"),
    "Unprocessable Entity": _("Unprocessable Entity"),
    "Too Many Requests": _("Too Many Requests"),
    "Internal Server Error": _("Internal Server Error"),
    "Service Unavailable": _("Service Unavailable"),
}

#: marshmallow's own reasons for a field the request schema refused.
SCHEMA_REASONS: dict[str, str] = {
    "Missing data for required field.": _("Missing data for required field."),
    "Field may not be null.": _("Field may not be null."),
    "Invalid value.": _("Invalid value."),
    "Not a valid string.": _("Not a valid string."),
    "Not a valid utf-8 string.": _("Not a valid utf-8 string."),
    "Not a valid integer.": _("Not a valid integer."),
    "Not a valid boolean.": _("Not a valid boolean."),
    "Not a valid list.": _("Not a valid list."),
    "Not a valid mapping type.": _("Not a valid mapping type."),
    "Invalid type.": _("Invalid type."),
    "Not a valid date.": _("Not a valid date."),
    "Not a valid number.": _("Not a valid number."),
    "Number too large.": _("Number too large."),
    "Invalid input type.": _("Invalid input type."),
    "Unknown field.": _("Unknown field."),
}


def requested_language() -> str:
    """ "zh" when the request's Accept-Language prefers Chinese, else "en"."""
    if not has_request_context():
        return "en"
    best = request.accept_languages.best_match(["en", "zh", "zh-CN", "zh-Hans"], default="en")
    return language(best)


def problem(
    status: int, code: str, title: str, detail: str | None = None, **extra: Any
) -> Response:
    """The problem+json response; ``title`` and ``detail`` (and the field reasons) in the
    request's language when they are :class:`~ledger.i18n.Message` s."""
    lang = requested_language()
    body: dict[str, Any] = {
        "type": f"urn:shuangsui:problem:{code}",
        "title": render(title, lang),
        "status": status,
    }
    if detail:
        body["detail"] = render(detail, lang)
    body.update({k: v for k, v in extra.items() if v not in (None, {}, [])})
    if isinstance(body.get("errors"), dict):
        body["errors"] = {
            field: [render(reason, lang) for reason in reasons]
            for field, reasons in body["errors"].items()
        }
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM)
    if lang == "zh":
        response.headers["Content-Language"] = "zh-CN"
    if has_request_context():
        response.vary.add("Accept-Language")
    if has_request_context():  # the access log names why a request was refused (English)
        g.problem = (code, str(detail or title))
    if status == 503:
        from api.observe import RETRY_AFTER

        response.headers["Retry-After"] = str(RETRY_AFTER)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Signature realm="shuangsui"'
    return response


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """webargs' nested messages -> {"field.sub": [...]} (location names dropped)."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        out[prefix or "body"] = [SCHEMA_REASONS.get(str(m)) or str(m) for m in messages]
    elif isinstance(messages, dict):
        for key, value in messages.items():
            if not prefix and key in ("json", "query", "path", "headers", "files", "form"):
                out.update(_flatten(value, "" if key == "json" else f"{key}."))
            else:
                out.update(_flatten(value, f"{prefix}{key}."))
    else:
        out[prefix.rstrip(".") or "body"] = [str(messages)]
    return {k.rstrip("."): v for k, v in out.items()}


def ledger_problem(exc: LedgerError) -> Response:
    errors = getattr(exc, "errors", None)
    title = TITLES.get(exc.code) or exc.code.replace("-", " ").capitalize()
    return problem(exc.status, exc.code, title, exc.message, rule=exc.rule, errors=errors or None)


def http_problem(exc: HTTPException) -> Response:
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    errors = _flatten(data["messages"]) if "messages" in data else None
    title = exc.name
    detail = _("invalid request: see errors") if errors else exc.description
    code = "invalid-input" if errors else title.lower().replace(" ", "-")
    response = problem(status, code, HTTP_TITLES.get(title, title), detail, errors=errors)
    if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def unavailable(detail: str | None = None) -> Response:
    """503 with Retry-After: the database cannot be reached now; nothing was written."""
    return problem(
        503,
        "unavailable",
        HTTP_TITLES["Service Unavailable"],
        detail
        or _(
            "the ledger database cannot be reached now; nothing was written. Try again "
            "after the Retry-After seconds"
        ),
    )


def install(app: Flask) -> None:
    app.register_error_handler(LedgerError, ledger_problem)
    app.register_error_handler(HTTPException, http_problem)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        from api.observe import database_unavailable

        if database_unavailable(exc):
            log.warning("database unavailable: %s", str(exc).strip().splitlines()[0:1])
            return unavailable()
        log.exception("unexpected error")
        return problem(
            500,
            "internal",
            HTTP_TITLES["Internal Server Error"],
            _(
                "the server could not complete the request; nothing was written "
                "unless a position was returned"
            ),
        )
