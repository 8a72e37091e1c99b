"""The pages' blueprint and what every page view shares: the language, links that keep
it, result names, rendering, the headers and the error pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from api.pages import i18n
from ledger.areas.inspections.events import RESULTS
from ledger.errors import LedgerError

bp = Blueprint(
    "pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/pages",
)

#: Result categories in English (the Chinese names are the publicity system's own).
RESULTS_EN = {
    "no_problem": "No problem found",
    "corrected": "Problems found, ordered to correct",
    "violation": "Violation found",
    "not_found": "Cannot be reached at the registered address",
    "no_activity": "No business activity covered by this check",
    "uncooperative": "Seriously uncooperative",
    "closed": "Deregistered or licence revoked",
}


def lang() -> str:
    if "lang" not in g:
        g.lang = i18n.language()
    found: str = g.lang
    return found


def _(message: str, **values: Any) -> str:
    text = i18n.gettext_for(lang()).gettext(message)
    return text.format(**values) if values else text


def result_name(code: str | None) -> str:
    if code is None:
        return ""
    return RESULTS_EN.get(code, code) if lang() == "en" else RESULTS.get(code, code)


def link(endpoint: str, **values: Any) -> str:
    """``url_for`` that keeps an explicit ``?lang=`` choice."""
    if "lang" in request.args and "lang" not in values:
        values["lang"] = request.args["lang"]
    return url_for(endpoint, **values)


def switch_lang(target: str) -> str:
    """This page in the other language."""
    values: dict[str, Any] = {k: v for k, v in request.args.items() if k != "lang"}
    values.update(request.view_args or {}, lang=target)
    return url_for(request.endpoint or "pages.feed", **values)


def render(template: str, status: int = 200, **context: Any) -> Response:
    html = render_template(
        template,
        _=_,
        lang=lang(),
        link=link,
        switch_lang=switch_lang,
        result_name=result_name,
        **context,
    )
    return Response(html, status=status, mimetype="text/html")


@bp.app_template_filter("dict_without")
def dict_without(values: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k not in names}


@bp.after_request
def headers(response: Response) -> Response:
    """Nothing from elsewhere: the browser is told so too (Content-Security-Policy)."""
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'",
    )
    response.headers.setdefault("Content-Language", "en" if lang() == "en" else "zh-CN")
    return response


@bp.errorhandler(LedgerError)
def ledger_error(exc: LedgerError) -> Response:
    return render("error.html", status=exc.status, status_code=exc.status, message=exc.message)


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    return render("error.html", status=status, status_code=status, message=exc.description)
