"""Operating the service (issue 14 §4): health, readiness, metrics, the access log, and a
database outage answered as 503 with Retry-After (issue 14 §3), never 401 or a bare 500."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import psycopg
import psycopg_pool
from eventsourcing.persistence import OperationalError

from api.observe import configure_logging, database_unavailable
from tests.support.api import Api


def test_healthz_answers_without_the_database(sqlite_api: Api, monkeypatch: Any) -> None:
    monkeypatch.setattr(sqlite_api.app.extensions["shuangsui"].ledger, "head", _down)
    response = sqlite_api.get(None, "/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_reports_size_lag_and_checkpoint(sqlite_api: Api) -> None:
    response = sqlite_api.get(None, "/readyz")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["status"] == "ready" and body["log_size"] > 0
    assert body["projection_lag"] == body["log_size"] - body["projections_position"]


def test_readyz_is_503_when_the_projections_lag(sqlite_api: Api, monkeypatch: Any) -> None:
    """/readyz: projections more than SHUANGSUI_READY_LAG entries behind the head."""
    monkeypatch.setenv("SHUANGSUI_READY_LAG", "0")
    sqlite_api.ok("office", "note.append", text="一条新纪要")
    response = sqlite_api.get(None, "/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert "behind the log" in response.json["detail"]


def _down(*_: Any, **__: Any) -> Any:
    raise psycopg_pool.PoolTimeout("couldn't get a connection after 5.00 sec")


def test_database_down_is_503_on_readyz_and_reads(sqlite_api: Api, monkeypatch: Any) -> None:
    ledger = sqlite_api.app.extensions["shuangsui"].ledger
    monkeypatch.setattr(ledger, "head", _down)
    monkeypatch.setattr(ledger.transparency, "latest", _down)
    for path in ("/readyz", "/api/v1/checkpoint"):
        response = sqlite_api.get(None, path)
        assert response.status_code == 503, (path, response.data)
        assert response.mimetype == "application/problem+json"
        assert int(response.headers["Retry-After"]) > 0
        assert response.json["type"] == "urn:shuangsui:problem:unavailable"


def test_database_down_is_503_not_401_on_a_signed_write(sqlite_api: Api, monkeypatch: Any) -> None:
    """Issue 14 §3: the key lookup failing is an outage, not 'the signature does not verify'."""
    ledger = sqlite_api.app.extensions["shuangsui"].ledger

    def lookup(*_: Any, **__: Any) -> Any:
        try:
            raise psycopg.OperationalError("connection refused")
        except psycopg.OperationalError as exc:
            raise OperationalError(str(exc)) from exc

    monkeypatch.setattr(ledger, "valid_key", lookup)
    response = sqlite_api.command("office", "note.append", text="不会写入")
    assert response.status_code == 503, response.json
    assert "signature" not in response.json.get("detail", "")
    assert response.headers["Retry-After"]


def test_only_outages_count_as_unavailable() -> None:
    import sqlite3

    assert database_unavailable(sqlite3.OperationalError("database is locked"))
    assert not database_unavailable(sqlite3.OperationalError("no such table: x"))
    assert not database_unavailable(ValueError("a bug"))
    assert database_unavailable(psycopg_pool.PoolTimeout("couldn't get a connection"))


def test_metrics_show_requests_and_the_ledger(sqlite_api: Api) -> None:
    sqlite_api.get(None, "/healthz")
    sqlite_api.get(None, "/api/v1/no/such/route")
    response = sqlite_api.get(None, "/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert 'shuangsui_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in text
    assert 'route="(unmatched)",status="404"' in text
    assert "shuangsui_http_request_duration_seconds_bucket" in text
    for name in (
        "shuangsui_database_up 1.0",
        "shuangsui_log_entries ",
        "shuangsui_projection_lag_entries ",
        "shuangsui_checkpoint_age_seconds ",
    ):
        assert name in text, name


def test_the_access_log_is_json_lines_without_secrets(sqlite_api: Api, tmp_path: Path) -> None:
    """One line per request: time, request id, key id, method, path, status, duration;
    a refusal says why; no signature, signature base, body or query is logged."""
    log_file = tmp_path / "serve.jsonl"
    configure_logging(str(log_file))
    try:
        sqlite_api.ok("office", "note.append", text="秘密正文")
        refused = sqlite_api.get(None, "/api/v1/deadlines", status="overdue")
        assert refused.status_code == 401
        sent = sqlite_api.client.get("/healthz", headers={"X-Request-Id": "abc-123"})
        assert sent.headers["X-Request-Id"] == "abc-123"
    finally:
        for handler in logging.getLogger("shuangsui").handlers:
            handler.flush()
        configure_logging(None)
    text = log_file.read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines()]
    access = [line for line in lines if line["logger"] == "shuangsui.access"]
    write, read, health = access[-3:]
    assert write["method"] == "POST" and write["status"] == 201 and write["key_id"]
    assert {"time", "request_id", "path", "duration_ms"} <= set(write)
    assert read["status"] == 401 and read["problem"] and read["reason"]
    assert read["key_id"] is None and read["path"] == "/api/v1/deadlines"
    assert health["request_id"] == "abc-123"
    for secret in ("秘密正文", "sig1=", "@signature-params", "Signature-Input", "overdue"):
        assert secret not in text, secret
