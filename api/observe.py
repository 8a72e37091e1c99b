"""Operating the service (issue 14 §4): structured logs, request ids, Prometheus metrics,
and what "the database is down" looks like to a client.

* **Logs** are JSON lines. ``shuangsui.access`` writes one line per request (time,
  request id, key id, method, path, status, duration, and for a refusal its problem
  type and reason); ``shuangsui.app`` (and ``shuangsui.api``) the application's own
  events. :func:`configure_logging` sends both to stderr, or to a file (``serve
  --log-file``; reopened when logrotate moves it). Never logged: headers, the
  signature, the signature base, bodies, query strings, passphrases.
* **Metrics** (``/metrics``, Prometheus text): request counts and latencies by route
  template, and, read when scraped, the log's size, how far the projections lag, and
  the latest checkpoint's size and age. ``serve --workers N`` runs N processes behind
  one port, and a scrape reaches only one of them: so ``serve`` counts in
  prometheus-client's multiprocess mode (:func:`share_metrics`: each process writes its
  counts to a file in one private folder, and every scrape sums all the files), and the
  figures are the whole service's whichever process answers.
* **Database down** is a 503 problem document with ``Retry-After``, never a 401 (the
  key lookup failing is not a bad signature) nor a bare 500: see
  :func:`database_unavailable`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.handlers
import os
import sqlite3
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, values
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

ACCESS = logging.getLogger("shuangsui.access")
APP = logging.getLogger("shuangsui.app")
#: Seconds a client is told to wait when the database cannot be reached.
RETRY_AFTER = 5
#: Request ids a client may send (X-Request-Id) are kept when short and plain.
_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, and the record's
    ``fields`` (``log.info("...", extra={"fields": {...}})``)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(log_file: str | None = None, level: int = logging.INFO) -> None:
    """Send every ``shuangsui.*`` log to stderr (default) or ``log_file``, as JSON lines."""
    handler: logging.Handler = (
        logging.handlers.WatchedFileHandler(log_file, encoding="utf-8")
        if log_file
        else logging.StreamHandler(sys.stderr)
    )
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("shuangsui")
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False


# --- the database being unreachable ------------------------------------------------------


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the database cannot be reached now:
    PostgreSQL refusing or timing out (psycopg, its pool, eventsourcing's wrappers), or
    SQLite's file locked or unopenable. A bug in a query is not one of these."""
    import psycopg
    from eventsourcing.persistence import InterfaceError, OperationalError

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        cause = current.__cause__ or current.__context__
        if isinstance(current, psycopg.OperationalError | psycopg.InterfaceError):
            return True  # refused, timed out, the pool's "couldn't get a connection"
        if isinstance(current, sqlite3.OperationalError):
            text = str(current).lower()
            return any(w in text for w in ("locked", "unable to open", "disk i/o", "busy"))
        if isinstance(current, InterfaceError | OperationalError) and cause is None:
            return True
        current = cause
    return False


# --- metrics -----------------------------------------------------------------------------


class LedgerCollector(Collector):
    """Gauges read from the ledger when scraped (a failure to read them is itself shown
    as ``shuangsui_database_up 0``)."""

    def __init__(self, service: Any) -> None:
        self.service = service

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("shuangsui_database_up", "1 if the ledger database answered")
        try:
            facts = ledger_facts(self.service)
        except Exception as exc:
            APP.warning("metrics: the ledger did not answer", extra={"fields": {"error": str(exc)}})
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        for name, help_text, value in (
            ("shuangsui_log_entries", "Entries in the log (its size)", facts["log_size"]),
            (
                "shuangsui_projection_lag_entries",
                "Entries the read models have not applied yet",
                facts["projection_lag"],
            ),
            (
                "shuangsui_checkpoint_size",
                "Size of the latest signed checkpoint",
                facts["checkpoint_size"],
            ),
            (
                "shuangsui_checkpoint_age_seconds",
                "Seconds since the latest checkpoint was signed (-1: none yet)",
                facts["checkpoint_age_seconds"],
            ),
        ):
            gauge = GaugeMetricFamily(name, help_text)
            gauge.add_metric([], float(value))
            yield gauge


def ledger_facts(service: Any) -> dict[str, Any]:
    """Log size, projection position and lag, latest checkpoint size and age, read as
    they are (the projections are not brought up to date for this)."""
    size = service.ledger.head().position
    borrowed = service.acquire()
    try:
        projected = borrowed.position()
    finally:
        service.release(borrowed)
    latest = service.ledger.chain.latest_checkpoint_created()
    age = -1.0
    if latest is not None:
        created = dt.datetime.fromisoformat(latest[1])
        age = max(0.0, (dt.datetime.now(dt.UTC) - created).total_seconds())
    return {
        "log_size": size,
        "projections_position": projected,
        "projection_lag": max(0, size - projected),
        "checkpoint_size": latest[0] if latest else 0,
        "checkpoint_age_seconds": round(age, 3),
    }


#: The environment variable prometheus-client's multiprocess mode reads its folder from.
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"


def share_metrics(folder: str) -> None:
    """Count in prometheus-client's multiprocess mode, in ``folder`` (empty, private to
    this ``serve``): call before the app is created and before any worker is forked.
    Every metric made afterwards in this process, and in the processes forked from it,
    writes its values to a file of its process there (the library reopens the files of
    a forked child by its pid)."""
    os.environ[MULTIPROCESS_DIR] = folder  # read by the library when it opens a file
    values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]


class Metrics:
    """The app's own registry (several apps in one process do not collide). With
    ``shared`` (a folder given to :func:`share_metrics`), :meth:`exposed` gives every
    process's counts summed."""

    def __init__(self, service: Any, shared: str | None = None) -> None:
        self.service, self.shared = service, shared
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "shuangsui_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "shuangsui_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template",
            ["method", "route"],
            registry=self.registry,
        )
        self.registry.register(LedgerCollector(service))

    def exposed(self) -> CollectorRegistry:
        """What ``/metrics`` shows: this registry, or, when the processes share their
        counts, a registry that reads all their files plus the ledger's gauges."""
        if self.shared is None:
            return self.registry
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=self.shared)  # type: ignore[no-untyped-call]
        registry.register(LedgerCollector(self.service))
        return registry


# --- per request -------------------------------------------------------------------------


def _request_id() -> str:
    sent = request.headers.get("X-Request-Id", "")
    if 0 < len(sent) <= 64 and set(sent) <= _ID_CHARS:
        return sent
    return uuid.uuid4().hex


def install(app: Flask, service: Any, shared: str | None = None) -> Metrics:
    """Request ids, the access log and the request metrics for ``app`` (``shared``: the
    folder of :func:`share_metrics`, when ``serve`` runs several processes)."""
    metrics = Metrics(service, shared)

    @app.before_request
    def start() -> None:
        g.request_id = _request_id()
        g.started = time.perf_counter()

    @app.after_request
    def finish(response: Response) -> Response:
        took = time.perf_counter() - g.get("started", time.perf_counter())
        route = request.url_rule.rule if request.url_rule is not None else "(unmatched)"
        metrics.requests.labels(request.method, route, str(response.status_code)).inc()
        metrics.latency.labels(request.method, route).observe(took)
        request_id = g.get("request_id") or _request_id()
        response.headers["X-Request-Id"] = request_id
        verified = g.get("verified")
        fields: dict[str, Any] = {
            "request_id": request_id,
            "key_id": getattr(getattr(verified, "key", None), "key_id", None),
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(took * 1000, 3),
            "remote": request.remote_addr,
        }
        refused = g.get("problem")
        if refused is not None and response.status_code >= 400:
            fields["problem"], fields["reason"] = refused
        ACCESS.info("request", extra={"fields": fields})
        return response

    return metrics
