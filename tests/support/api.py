"""An API over a small county: a Flask test client and a helper that signs requests.

Requests are signed as a real client signs them (RFC 9421, ``api.httpsig``); ``who`` names
a county actor as in :meth:`tests.support.actors.Actors.run`, or is a key, or ``None`` for
an unsigned request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from api import create_app
from api.client import command_request
from api.httpsig import sign_request
from ledger.keys import SigningKey, write_key_file
from tests.support.county import County, add_people, build_county, key_for
from tests.support.world import World
from tests.vectors.testkeys import fixed_key


@dataclass
class Api:
    """The app, its test client and the county whose keys sign the requests."""

    app: Flask
    client: FlaskClient
    county: County

    def key(self, who: str | SigningKey | None) -> SigningKey | None:
        return None if who is None else self.county.key(who)

    def call(
        self,
        who: str | SigningKey | None,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        query: dict[str, Any] | None = None,
        tamper: Any = None,
        **sign: Any,
    ) -> TestResponse:
        """Sign (as ``who``; None: unsigned) and send; ``tamper(headers, body)`` may change
        the request after signing."""
        url = path + ("?" + urlencode(query) if query else "")
        data = (
            raw
            if raw is not None
            else (
                None
                if body is None and method == "GET"
                else json.dumps({} if body is None else body, ensure_ascii=False).encode()
            )
        )
        headers = {"Content-Type": "application/json"} if data is not None else {}
        key = self.key(who)
        if key is not None:
            headers.update(
                sign_request(key, method, "http://localhost" + url, data, headers, **sign)
            )
        if tamper is not None:
            headers, data = tamper(headers, data)
        return self.client.open(url, method=method, data=data, headers=headers)

    def command(
        self, who: str | SigningKey | None, action: str, attachment: Any = None, **params: Any
    ) -> TestResponse:
        """POST the command's route; path variables are taken from ``params``."""
        _, path, body = command_request(action, params, attachment)
        return self.post(who, path, body)

    def ok(
        self, who: str | SigningKey | None, action: str, attachment: Any = None, **params: Any
    ) -> dict[str, Any]:
        response = self.command(who, action, attachment, **params)
        assert response.status_code == 201, (action, response.json)
        body = response.json
        return {"action": body["action"], "positions": body["positions"], **body["result"]}

    def get(self, who: str | SigningKey | None, path: str, **query: Any) -> TestResponse:
        return self.call(who, "GET", path, query=query or None)

    def post(
        self, who: str | SigningKey | None, path: str, body: Any = None, **kw: Any
    ) -> TestResponse:
        return self.call(who, "POST", path, body, **kw)


def make_api(world: World) -> Api:
    """The county with its people, an auditor, a judge and a witness, served by the app."""
    county = build_county(world)
    add_people(county)
    for name, roles, extra in (
        ("auditor", ["auditor"], {}),
        ("judge", ["judicial"], {}),
        ("witness", ["witness"], {"note_name": "jiwei.test/w"}),
    ):
        key = key_for(name)
        county.run(
            "office",
            "key.register",
            public_key=key.public.public_b64,
            holder=name,
            roles=roles,
            **extra,
        )
        county.keys[name] = key
    settings = world.settings
    settings.keys_dir.mkdir(parents=True, exist_ok=True)
    write_key_file(settings.ledger_key_path, fixed_key("ledger"))
    config = {"SHUANGSUI_HOME": str(settings.home), "TESTING": True}
    if settings.database_url:
        config["SHUANGSUI_DATABASE_URL"] = settings.database_url
    app = create_app(config)
    return Api(app, app.test_client(), county)
