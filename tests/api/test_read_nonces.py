"""Issue 11, part 7: a signed read's nonce is refused when reused within the window --
also after the service restarts (the nonces are kept on disk, not in memory)."""

from __future__ import annotations

import time
from typing import Any

from api import create_app
from api.nonces import ReadNonces
from ledger.errors import ReplayError
from tests.support.api import Api

READ = "/api/v1/deadlines"


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.get_json()
    return body


def test_a_replayed_signed_read_is_refused(api: Api) -> None:
    assert api.call("SCJGJ", "GET", READ, nonce="read-once-1").status_code == 200
    body = problem(api.call("SCJGJ", "GET", READ, nonce="read-once-1"), 401)
    assert body["type"].endswith("replayed-nonce") and "replayed" in body["detail"]
    # another key may use the same nonce; a fresh nonce is fine
    assert api.call("SWJ", "GET", READ, nonce="read-once-1").status_code == 200
    assert api.call("SCJGJ", "GET", READ, nonce="read-once-2").status_code == 200


def test_the_same_request_bytes_replayed_are_refused(api: Api) -> None:
    """An eavesdropper resends the captured headers unchanged."""
    captured: dict[str, Any] = {}

    def keep(headers: dict[str, str], data: Any) -> tuple[dict[str, str], Any]:
        captured.update(headers)
        return headers, data

    assert api.call("SCJGJ", "GET", READ, tamper=keep).status_code == 200
    replayed = api.client.open(READ, method="GET", headers=captured)
    problem(replayed, 401)


def test_a_restart_does_not_reopen_the_window(api: Api) -> None:
    assert api.call("SCJGJ", "GET", READ, nonce="before-restart").status_code == 200
    settings = api.app.extensions["shuangsui"].settings
    config: dict[str, Any] = {"SHUANGSUI_HOME": str(settings.home), "TESTING": True}
    if settings.database_url:
        config["SHUANGSUI_DATABASE_URL"] = settings.database_url
    api.app.extensions["shuangsui"].close()
    api.app = create_app(config)
    api.client = api.app.test_client()
    problem(api.call("SCJGJ", "GET", READ, nonce="before-restart"), 401)


def test_old_nonces_are_forgotten_only_outside_the_window(tmp_path: Any) -> None:
    store = ReadNonces(tmp_path / "n.sqlite3", window=300)
    now = int(time.time())
    store.claim("k", "a", now - 599, now=now)
    store.claim("k", "b", now - 601, now=now)
    assert store.forget(now) == 1  # only b is older than twice the window
    try:
        store.claim("k", "a", now, now=now)
    except ReplayError:
        pass
    else:
        raise AssertionError("a nonce inside the window was accepted twice")
    store.claim("k", "b", now, now=now)  # forgotten: its old request is stale anyway
    store.close()
