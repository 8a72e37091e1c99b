"""Schemathesis against the generated OpenAPI document, with signed requests.

A WSGI middleware signs every request schemathesis sends (RFC 9421, over the very
body it sends) with one key that holds every writing role, so the writes get past
authentication to the schemas and the handlers. Checks: never a 5xx, every status
documented, every response's content type and body match the document.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from api.httpsig import sign_request
from ledger.config import Settings
from tests.support.api import Api, make_api
from tests.support.county import key_for
from tests.support.world import start_world

SUPER = key_for("schemathesis TEST-ONLY: every role")


class Signing:
    """Signs each request on its way into the app, as a client would have."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        method = environ["REQUEST_METHOD"]
        headers = {"Content-Type": environ.get("CONTENT_TYPE", "")}
        signed = sign_request(
            SUPER,
            method,
            "http://localhost" + environ["REQUEST_URI"],
            body if method not in ("GET", "HEAD") else None,
            headers,
        )
        for name, value in signed.items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def signed_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    world = start_world(Settings(home=tmp_path_factory.mktemp("schemathesis") / "home"))
    api = make_api(world)
    world.run(
        "office",
        "key.register",
        public_key=SUPER.public.public_b64,
        holder="schemathesis",
        organisation="SCJGJ",
        person="S1",
        note_name="schemathesis.test/w",
        roles=["office", "department", "inspector", "witness", "discipline", "auditor"],
    )
    api.app.wsgi_app = Signing(api.app.wsgi_app)  # type: ignore[method-assign]
    yield api
    api.app.extensions["shuangsui"].close()
    world.ledger.close()


@pytest.fixture(scope="module")
def api_schema(signed_api: Api) -> Any:
    return schemathesis.openapi.from_wsgi("/openapi.json", signed_api.app)


schema = schemathesis.pytest.from_fixture("api_schema")
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@schema.parametrize()
@settings(
    max_examples=8,
    derandomize=True,  # the same examples every run: CI stays reproducible
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_api_keeps_its_document(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)
