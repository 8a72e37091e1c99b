"""The HTTP API: departments, witnesses, auditors and the public (flaskr-style factory).

    app = create_app({"SHUANGSUI_HOME": "var"})

``config`` is a mapping of the same ``SHUANGSUI_*`` names the command line reads from
the environment (home, database URL, passphrase, command window), plus Flask's own.
``create_app()`` with no mapping reads the environment. The OpenAPI document is at
``/openapi.json`` and the interactive docs at ``/docs``, their assets served by the
service itself (swagger-ui-bundle): county networks are closed.
"""

from __future__ import annotations

import http
import os
from collections.abc import Mapping
from typing import Any

import swagger_ui_bundle
from flask import Flask, send_from_directory
from flask_smorest import Api

from api import problems
from api.schemas import Problem
from api.service import Service

API_TITLE = "双随机、一公开 audit ledger"
SECURITY = {
    "httpSignature": {
        "type": "apiKey",
        "in": "header",
        "name": "Signature",
        "description": (
            "RFC 9421 HTTP Message Signature, ed25519, with the caller's registered key: "
            'label any, tag "shuangsui-api-v1", covering "@method" "@path" '
            '"content-digest" (RFC 9530 sha-256) for writes and "@method" "@path" '
            "\"@query\" for reads, with created, keyid and nonce. 'shuangsui client' and "
            "api.client sign requests this way."
        ),
    }
}


class LedgerApi(Api):  # type: ignore[misc]
    """flask-smorest's Api with our single problem+json error handler, and every error
    response documented as what it is: an RFC 9457 problem document."""

    ERROR_SCHEMA = Problem

    def _register_error_handlers(self) -> None:
        problems.install(self._app)

    def _register_responses(self) -> None:
        from flask_smorest.utils import prepare_response

        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = Problem
            prepare_response(response, self.spec, problems.PROBLEM)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "A problem (RFC 9457)", "schema": Problem}
        prepare_response(response, self.spec, problems.PROBLEM)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    settings: dict[str, Any] = dict(os.environ) if config is None else dict(config)
    app.config.update(
        API_TITLE=API_TITLE,
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL="/docs/assets/",
        MAX_CONTENT_LENGTH=int(settings.get("SHUANGSUI_MAX_BODY", 16 * 1024 * 1024)),
        JSON_SORT_KEYS=False,
        API_SPEC_OPTIONS={
            "info": {"description": __doc__.split("\n\n")[0]},
            "components": {"securitySchemes": SECURITY},
            "security": [{"httpSignature": []}],
        },
    )
    app.config.update(
        {k: v for k, v in settings.items() if k.isupper() and not k.startswith("SHUANGSUI_")}
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    service = Service(settings)
    app.extensions["shuangsui"] = service

    from api.blueprints import BLUEPRINTS, guard
    from api.blueprints.common import teardown

    api = LedgerApi(app)
    for blueprint in BLUEPRINTS.values():
        api.register_blueprint(blueprint)
    app.before_request(guard)
    app.teardown_request(teardown)

    @app.route("/docs/assets/<path:name>")
    def swagger_assets(name: str) -> Any:
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, name)

    return app
