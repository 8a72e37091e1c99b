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


#: The docs page's header (the OpenAPI ``info.description``, Markdown): how to sign, and
#: where the pages for people are.
DOCS_HEADER = """Every write, and every read that is not public, is an **RFC 9421 HTTP Message
Signature** made with the caller's registered Ed25519 key (the key file that `shuangsui
keygen` wrote). The interactive "Try it out" below sends unsigned requests: it works for the
public reads (publication feed, item lists, published plans, checkpoint, proofs); the others
answer 401 here.

**How to sign a request** (签名方法):

* from the command line -- `shuangsui client` signs with a key file:
  `shuangsui client GET /api/v1/deadlines --key scjgj.key -q status=overdue` or
  `shuangsui client POST /api/v1/notes --key scjgj.key --data note.json`;
* from Python -- `api.client.Client(url, key=read_key_file("scjgj.key"))`, then
  `client.get(path, **query)` or `client.command("task.create", task=..., ...)` (the route
  comes from the command table);
* by hand -- signature label any, tag `shuangsui-api-v1`, `alg` ed25519, parameters
  `created`, `keyid` (the key id the registration prints; `shuangsui key show`) and a fresh
  `nonce`; covered components `"@method" "@path" "content-digest"` for writes
  (`Content-Digest: sha-256=:...:`, RFC 9530) and `"@method" "@path" "@query"` for reads.
  Requests older than the command window (300 s), with a reused nonce, or from a rotated or
  revoked key are refused and write nothing. A signed read's nonce is remembered on disk
  (`HOME/read-nonces.sqlite3`) for twice the window: a replayed read is refused
  (`replayed-nonce`), also after the service restarts.

The signature base, the signature and the body of every write are stored as the command's
evidence: `shuangsui verify` checks offline who asked for each change.

Every read answered from the read models carries the header **`X-Projection-Position`**: the
log position they reflect (投影所反映的日志位置), brought up to date before the read.

**Pages for people** (网页): the publication feed is at [`/`](/) (公示信息, in Chinese;
`?lang=en` for English), an object at `/objects/{credit code}`, a published result and its
QR code at `/r/{position}`, item lists and plans at `/departments/{code}`, draws at
`/draws/{task}/{n}` (the live ceremony at `/draws/{task}/{n}/ceremony`, its state as JSON at
`/draws/{task}/{n}/state`), the log's checkpoint at `/log`. Signed in at `/login` (the browser
signs a challenge with the key file), staff read `/mine`, `/trails/{kind}/{subject}`,
`/reviews/{kind}/{subject}`, `/board`, `/task-ledger` and `/coverage`; every listing page
downloads as `?format=csv` or `?format=xlsx`, the feed also as `?format=gsxt` (the national
enterprise credit publicity system's bulk-upload layout). Writes from the pages are signed
requests to the routes below. The pages are HTML, not part of this API.
"""


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
            "info": {"description": __doc__.split("\n\n")[0] + "\n\n" + DOCS_HEADER},
            "components": {"securitySchemes": SECURITY},
            "security": [{"httpSignature": []}],
        },
    )
    app.config.update(
        {k: v for k, v in settings.items() if k.isupper() and not k.startswith("SHUANGSUI_")}
    )
    app.config["SHUANGSUI_PUBLIC_URL"] = settings.get("SHUANGSUI_PUBLIC_URL") or None
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    service = Service(settings)
    app.extensions["shuangsui"] = service
    from api import observe

    # Several serve processes behind one port count into one folder (serve sets it).
    shared = settings.get("SHUANGSUI_METRICS_DIR") or None
    if shared:
        observe.share_metrics(str(shared))
    app.extensions["shuangsui.metrics"] = observe.install(app, service, shared)

    from api.blueprints import BLUEPRINTS, guard
    from api.blueprints.common import mark_position, teardown

    api = LedgerApi(app)
    for blueprint in BLUEPRINTS.values():
        api.register_blueprint(blueprint)
    from api.pages import bp as pages
    from api.pages.session import SESSION_SECONDS, CookieFirstSessions, session_secret

    app.session_interface = CookieFirstSessions()

    if not app.secret_key:
        assert service.ledger.signer is not None
        app.secret_key = session_secret(service.ledger.signer.seed)
    for name, value in (
        ("SESSION_COOKIE_SAMESITE", "Strict"),
        ("SESSION_COOKIE_NAME", "shuangsui_session"),
    ):
        if name not in settings:  # Flask has its own defaults: set ours unless configured
            app.config[name] = value
    app.config["PERMANENT_SESSION_LIFETIME"] = SESSION_SECONDS

    app.register_blueprint(pages)
    app.before_request(guard)
    app.after_request(mark_position)
    app.teardown_request(teardown)

    @app.route("/docs/assets/<path:name>")
    def swagger_assets(name: str) -> Any:
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, name)

    return app
