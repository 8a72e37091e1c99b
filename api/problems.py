"""Every error the API returns, as ``application/problem+json`` (RFC 9457), from here.

A :class:`~ledger.errors.LedgerError` keeps its status, its stable code (the problem
type), its message and, for a refusal by a rule of the source document, the rule's
R-number; validation errors list each field. Anything unexpected is logged with its
traceback on the server and answered with a bare 500: no stack trace ever leaves.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json
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


def install(app: Flask) -> None:
    app.register_error_handler(LedgerError, ledger_problem)
    app.register_error_handler(HTTPException, http_problem)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unexpected error")
        return problem(
            500,
            "internal",
            "Internal Server Error",
            "the server could not complete the request; nothing was written "
            "unless a position was returned",
        )
