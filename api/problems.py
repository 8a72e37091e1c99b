"""Every error the API returns, as ``application/problem+json`` (RFC 9457), from here.

A :class:`~ledger.errors.LedgerError` keeps its status, its stable code (the problem
type), its message and, for a refusal by a rule of the source document, the rule's
R-number; validation errors list each field. A database that cannot be reached is a
503 with ``Retry-After`` (:func:`unavailable`), never an authentication failure.
Anything unexpected is logged with its
traceback on the server and answered with a bare 500: no stack trace ever leaves.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, has_request_context, json
from werkzeug.exceptions import HTTPException

from ledger.errors import LedgerError

log = logging.getLogger("shuangsui.api")
PROBLEM = "application/problem+json"


def problem(
    status: int, code: str, title: str, detail: str | None = None, **extra: Any
) -> Response:
    body: dict[str, Any] = {
        "type": f"urn:shuangsui:problem:{code}",
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v not in (None, {}, [])})
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM)
    if has_request_context():  # the access log names why a request was refused
        g.problem = (code, detail or title)
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
        out[prefix or "body"] = list(messages)
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
    title = exc.code.replace("-", " ").capitalize()
    return problem(exc.status, exc.code, title, exc.message, rule=exc.rule, errors=errors or None)


def http_problem(exc: HTTPException) -> Response:
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    errors = _flatten(data["messages"]) if "messages" in data else None
    title = exc.name
    detail = "invalid request: see errors" if errors else exc.description
    code = "invalid-input" if errors else title.lower().replace(" ", "-")
    response = problem(status, code, title, detail, errors=errors)
    if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def unavailable(detail: str | None = None) -> Response:
    """503 with Retry-After: the database cannot be reached now; nothing was written."""
    return problem(
        503,
        "unavailable",
        "Service Unavailable",
        detail
        or "the ledger database cannot be reached now; nothing was written. Try again "
        "after the Retry-After seconds (数据库暂不可用)",
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
            "Internal Server Error",
            "the server could not complete the request; nothing was written "
            "unless a position was returned",
        )
