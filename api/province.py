"""One deployment for a province's counties (省级部署, issue 15 part 7).

    app = create_province_app({"SHUANGSUI_HOME": "province",
                               "SHUANGSUI_DATABASE_URL": "postgresql://.../province"})

A WSGI application in front of one county app per county configured in
``HOME/counties.json`` (:mod:`ledger.counties`). A request selects its county

* by the ``Host`` header, when a county lists that host: the path is the county
  API's own (``https://anyue.sc.example/api/v1/...``); or
* by the path ``/c/{county}/...``: the prefix is taken off before the county app
  sees the request (``SCRIPT_NAME`` ``/c/{county}``), so the county app, its pages'
  links and its signed routes are exactly those of a county's own server.

Signatures: what a county's log stores as a write's evidence is the RFC 9421
signature base over the county API's path (``/api/v1/...``), the same as on a
county's own server, so each county's log and its bundles verify alone, with the
auditor's route table unchanged. Behind ``/c/{county}`` the client therefore signs the
path within the county (:class:`api.client.Client` does so for a base URL ending in
``/c/{county}``). A county's keys, nonces, checkpoints and read models are its own.

The province's own read is ``GET /province/api/v1/counties`` (public, read-only; its
OpenAPI document at ``/province/openapi.json``):
every county with its log's size, head hash and latest checkpoint
(:func:`ledger.counties.survey`). Anything else -- an unknown county, a path that
names none -- is a 404 problem naming the configured counties, in the request's
language.

Invariant: a county's app is created on its first request and kept; nothing here
writes to any county's log.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import Flask, jsonify, request

from api import problems
from ledger.config import Settings
from ledger.counties import Counties, County, county_settings, survey
from ledger.errors import LedgerError, NotFoundError
from ledger.i18n import _

#: ``/c/{county}`` and the rest of the path.
COUNTY_PATH = re.compile(r"/c/(?P<code>[^/]+)(?P<rest>/.*)?")
COUNTIES_ROUTE = "/province/api/v1/counties"

#: The OpenAPI document of the province's own routes.
OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "双随机、一公开 audit ledger: the province (省级部署)",
        "version": "1",
        "description": (
            "The counties of one provincial deployment. Each county's own API is at "
            "/c/{county}/ (its document at /c/{county}/openapi.json) or at a host the "
            "county lists; this document covers the province's read."
        ),
    },
    "paths": {
        COUNTIES_ROUTE: {
            "get": {
                "summary": "Every county and where its log stands (各县日志位置); public.",
                "responses": {
                    "200": {
                        "description": "One row per county, in code order.",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "counties": {
                                            "type": "array",
                                            "items": {
                                                "type": "object",
                                                "properties": {
                                                    "code": {"type": "string"},
                                                    "name": {"type": "string"},
                                                    "origin": {"type": "string"},
                                                    "database": {"type": "string"},
                                                    "size": {"type": "integer", "nullable": True},
                                                    "head": {"type": "string", "nullable": True},
                                                    "checkpoint_size": {
                                                        "type": "integer",
                                                        "nullable": True,
                                                    },
                                                    "checkpoint_created": {
                                                        "type": "string",
                                                        "nullable": True,
                                                    },
                                                    "problem": {
                                                        "type": "string",
                                                        "nullable": True,
                                                    },
                                                },
                                            },
                                        }
                                    },
                                }
                            }
                        },
                    }
                },
            }
        }
    },
}

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class ProvinceApp:
    """Dispatches each request to its county's app, or answers the province's read."""

    def __init__(
        self, config: Mapping[str, Any], make_app: Callable[[dict[str, Any]], Any]
    ) -> None:
        self.config = dict(config)
        self.settings = Settings.from_mapping(self.config)
        self.counties = Counties.load(self.settings.home)
        self._make_app = make_app
        self._apps: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.province = self._province_app()

    def county_config(self, county: County) -> dict[str, Any]:
        """The county app's configuration: the province's, with the county's home and
        database, and none of the files the province's own configuration names."""
        settings = county_settings(self.settings, county)
        config = {
            k: v
            for k, v in self.config.items()
            if k
            not in ("SHUANGSUI_PROJECTIONS", "SHUANGSUI_READ_NONCES", "SHUANGSUI_WITNESS_STATE")
        }
        config["SHUANGSUI_HOME"] = str(settings.home)
        config.pop("SHUANGSUI_DATABASE_URL", None)
        if settings.database_url:
            config["SHUANGSUI_DATABASE_URL"] = settings.database_url
        return config

    def county_app(self, county: County) -> Any:
        """The county's app, created on first use (its ledger opened with its key)."""
        app = self._apps.get(county.code)
        if app is None:
            with self._lock:
                app = self._apps.get(county.code)
                if app is None:
                    app = self._apps[county.code] = self._make_app(self.county_config(county))
        return app

    def apps(self) -> dict[str, Any]:
        """The county apps created so far, by county code."""
        return dict(self._apps)

    def _serve(
        self, county: County, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Any:
        """The county's app answers; a county that cannot be opened (no ledger yet, its
        database unreachable) is a problem document, and is tried again next time."""
        try:
            app = self.county_app(county)
        except LedgerError as exc:
            with self.province.request_context(environ):
                response = problems.ledger_problem(exc)
            return response(environ, start_response)
        return app(environ, start_response)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        county = self.counties.by_host(str(environ.get("HTTP_HOST", "")))
        if county is not None:
            return self._serve(county, environ, start_response)
        found = COUNTY_PATH.fullmatch(str(environ.get("PATH_INFO", "")))
        if found is not None and found.group("code") in self.counties:
            county = self.counties.get(found.group("code"))
            prefix = f"/c/{county.code}"
            environ = dict(environ)
            environ["SCRIPT_NAME"] = str(environ.get("SCRIPT_NAME", "")) + prefix
            environ["PATH_INFO"] = found.group("rest") or "/"
            for name in ("REQUEST_URI", "RAW_URI"):
                raw = environ.get(name)
                if isinstance(raw, str) and raw.startswith(prefix):
                    environ[name] = raw[len(prefix) :] or "/"
            return self._serve(county, environ, start_response)
        return self.province(environ, start_response)

    def _province_app(self) -> Flask:
        app = Flask(__name__)
        app.json.ensure_ascii = False  # type: ignore[attr-defined]
        problems.install(app)
        counties = self.counties
        settings = self.settings

        @app.get(COUNTIES_ROUTE)
        def county_positions() -> Any:
            """Every county and where its log stands (各县日志位置), read-only."""
            lang = problems.requested_language()
            rows = [p.as_dict(lang) for p in survey(settings, counties)]
            return jsonify({"counties": rows})

        @app.get("/province/openapi.json")
        def openapi() -> Any:
            """The province's own routes (each county's API is at /c/{county}/openapi.json)."""
            return jsonify(OPENAPI)

        @app.get("/healthz")
        def healthz() -> Any:
            return jsonify({"status": "ok", "counties": len(counties)})

        every = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

        @app.route("/", defaults={"path": ""}, methods=every)
        @app.route("/<path:path>", methods=every)
        def unknown(path: str) -> Any:
            found = COUNTY_PATH.fullmatch(request.path)
            if found is not None:
                counties.get(found.group("code"))  # raises NotFoundError naming the known
            raise NotFoundError(
                _(
                    "{path} names no county: use /c/{{county}}/... (counties: {known}) or "
                    "{route} for every county's log position",
                    path=request.path,
                    known=", ".join(c.code for c in counties) or "-",
                    route=COUNTIES_ROUTE,
                )
            )

        return app


def create_province_app(config: Mapping[str, Any] | None = None) -> ProvinceApp:
    """The province's WSGI app over ``config`` (the environment when None)."""
    import os

    from api import create_app

    return ProvinceApp(dict(os.environ) if config is None else config, create_app)
