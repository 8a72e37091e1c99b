"""serve, client, demo: the HTTP API from the command line, and the demo county to
serve."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import click

from ledger.errors import ConflictError, ValidationError
from ledger.i18n import _, os_reason
from tools.cli.runtime import Runtime, pass_runtime, read_text, say, writable_output


def _config(runtime: Runtime) -> dict[str, Any]:
    settings = runtime.settings
    config: dict[str, Any] = dict(os.environ)
    config["SHUANGSUI_HOME"] = str(settings.home)
    if settings.database_url:
        config["SHUANGSUI_DATABASE_URL"] = settings.database_url
    return config


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--threads",
    default=8,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker threads per process (waitress).",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 16),
    help="Server processes sharing the port (pre-forked); the chain stays one.",
)
@click.option(
    "--witness-state",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also act as a witness (POST /add-checkpoint) with this state file.",
)
@click.option(
    "--witness-key",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The witness's key file (with --witness-state).",
)
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the JSON-lines access and application log here (default: stderr).",
)
@click.option(
    "--province",
    is_flag=True,
    help="Serve every county of this provincial deployment (counties.json): "
    "/c/COUNTY/... or a county's host, and /province/api/v1/counties.",
)
@pass_runtime
def serve(
    runtime: Runtime,
    host: str,
    port: int,
    threads: int,
    workers: int,
    witness_state: Path | None,
    witness_key: Path | None,
    log_file: Path | None,
    province: bool = False,
) -> None:
    """Run the API under waitress (a production WSGI server) on this ledger.

    \b
    The embedded SQLite default needs nothing else; with --database-url (or
    SHUANGSUI_DATABASE_URL) several 'serve' processes may share one PostgreSQL
    ledger and the chain stays one. Projections are kept current while serving.
    Logs: one JSON line per request (time, request id, key id, method, path,
    status, duration; a refusal's reason) on the shuangsui.access logger, and the
    application's events on shuangsui.app, to stderr or --log-file. Health at
    /healthz and /readyz, Prometheus metrics at /metrics.
    Examples:
      shuangsui serve                            # http://127.0.0.1:8080/docs
      shuangsui serve --log-file /var/log/shuangsui/serve.jsonl
      shuangsui --database-url postgresql://postgres@127.0.0.1/test serve --port 8081
      shuangsui --database-url postgresql://postgres@127.0.0.1/province serve --province
    """
    import waitress

    from api import create_app
    from api.observe import APP, configure_logging

    if log_file is not None:
        writable_output(log_file)
    configure_logging(str(log_file) if log_file else None)

    if province:
        _serve_province(runtime, host, port, threads, workers, witness_state)
        return
    config = _config(runtime)
    if bool(witness_state) != bool(witness_key):
        raise ValidationError(_("--witness-state and --witness-key go together"))
    if witness_state:
        read_text(witness_state)  # a missing or unreadable state fails here, not later
        runtime.signing_key(witness_key)  # type: ignore[arg-type]
        config["SHUANGSUI_WITNESS_STATE"] = str(witness_state)
        config["SHUANGSUI_WITNESS_KEY"] = str(witness_key)
    app = create_app(config)
    service = app.extensions["shuangsui"]
    service.projections()
    transparency = service.ledger.transparency
    note = transparency.latest()
    click.echo(f"shuangsui {runtime.settings.describe_database()}")
    say(_("  origin: {origin}", origin=transparency.origin))
    say(_("  entries: {count}", count=format(service.ledger.head().position, ",")))
    say(_("  checkpoint:"))
    click.echo("    " + note.strip().replace("\n", "\n    "))
    try:
        listener = socket.create_server((host, port))
    except OSError as exc:
        raise ConflictError(
            _(
                "cannot listen on {host}:{port}: {strerror}",
                host=host,
                port=port,
                strerror=os_reason(exc),
            )
        ) from exc
    say(
        _(
            "listening on {url}  (docs /docs, OpenAPI /openapi.json; {workers} process(es) "
            "x {threads} threads)",
            url="http://" + host + ":" + str(listener.getsockname()[1]),
            workers=workers,
            threads=threads,
        )
    )
    APP.info(
        "serving",
        extra={
            "fields": {
                "database": runtime.settings.describe_database(),
                "address": f"{host}:{listener.getsockname()[1]}",
                "workers": workers,
                "threads": threads,
                "entries": service.ledger.head().position,
            }
        },
    )
    sys.stdout.flush()
    service.close()  # each process opens its own connections after the fork
    # Every process's request counts in one private folder, summed by each scrape of
    # /metrics whichever process answers it (prometheus-client's multiprocess mode).
    metrics_dir = tempfile.mkdtemp(prefix="shuangsui-metrics-")
    config["SHUANGSUI_METRICS_DIR"] = metrics_dir

    def run() -> None:
        app = create_app(config)
        served = app.extensions["shuangsui"]

        def keep_current() -> None:
            while True:
                time.sleep(2)
                try:
                    served.projections()
                except Exception as exc:
                    APP.warning("projection update failed", extra={"fields": {"error": str(exc)}})

        threading.Thread(target=keep_current, name="projections", daemon=True).start()
        waitress.serve(app, sockets=[listener], threads=threads, ident="shuangsui", _quiet=True)

    children = []
    for __ in range(workers - 1):
        pid = os.fork()
        if pid == 0:  # a worker: serve until terminated
            signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
            try:
                run()
            finally:
                os._exit(0)
        children.append(pid)

    def stop(*_: Any) -> None:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        shutil.rmtree(metrics_dir, ignore_errors=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        run()
    finally:
        stop()


def _serve_province(
    runtime: Runtime, host: str, port: int, threads: int, workers: int, witness: Path | None
) -> None:
    """``serve --province``: every county of counties.json behind one port."""
    import waitress

    from api.observe import APP
    from api.province import create_province_app
    from ledger.counties import Counties, survey

    if runtime.county is not None:
        raise ValidationError(_("serve --province serves every county: leave out --county"))
    if witness is not None:
        raise ValidationError(_("serve --province does not act as a witness"))
    if workers != 1:
        raise ValidationError(_("serve --province runs one process (--workers 1)"))
    settings = runtime.province_settings
    counties = Counties.load(settings.home)
    if not len(counties):
        raise ValidationError(
            _(
                "{home} configures no counties; add one with 'shuangsui county add'",
                home=settings.home,
            )
        )
    config = _config(runtime)
    app = create_province_app(config)
    where = settings.describe_database() if settings.is_postgres else _("SQLite, a file per county")
    say(_("shuangsui province: {where}", where=where))
    for position in survey(settings, counties):
        size = "-" if position.size is None else f"{position.size:,}"
        click.echo(f"  /c/{position.county.code:<12} {size:>12}  {position.county.origin}")
        if position.problem:
            runtime.say(position.problem)
    try:
        listener = socket.create_server((host, port))
    except OSError as exc:
        raise ConflictError(
            _(
                "cannot listen on {host}:{port}: {strerror}",
                host=host,
                port=port,
                strerror=os_reason(exc),
            )
        ) from exc
    say(
        _(
            "listening on {url}  (counties /c/COUNTY/docs, every county's position "
            "/province/api/v1/counties)",
            url="http://" + host + ":" + str(listener.getsockname()[1]),
        )
    )
    sys.stdout.flush()

    def keep_current() -> None:
        while True:
            time.sleep(2)
            for code, county_app in app.apps().items():
                try:
                    county_app.extensions["shuangsui"].projections()
                except Exception as exc:
                    APP.warning(
                        "projection update failed",
                        extra={"fields": {"county": code, "error": str(exc)}},
                    )

    threading.Thread(target=keep_current, name="projections", daemon=True).start()
    waitress.serve(app, sockets=[listener], threads=threads, ident="shuangsui", _quiet=True)


@click.command()
@click.argument("method", type=click.Choice(["GET", "POST", "get", "post"]))
@click.argument("path")
@click.option(
    "--data",
    "data_file",
    type=click.File("rb"),
    help="The request body (JSON) from a file, or - for stdin.",
)
@click.option(
    "--key",
    "key_file",
    type=click.Path(dir_okay=False),
    help="Sign with this key file (omit for the public endpoints).",
)
@click.option(
    "--url",
    default="http://127.0.0.1:8080",
    show_default=True,
    envvar="SHUANGSUI_URL",
    help="The service (env SHUANGSUI_URL).",
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Save the response body to FILE as it came (bundles, JSON lines).",
)
@click.option(
    "-q",
    "--query",
    "query",
    multiple=True,
    metavar="NAME=VALUE",
    help="A query parameter; repeatable.",
)
@pass_runtime
def client(
    runtime: Runtime,
    method: str,
    path: str,
    data_file: Any,
    key_file: str | None,
    url: str,
    query: tuple[str, ...],
    out: Path | None,
) -> None:
    """Call the API, signing the request (RFC 9421) with --key; print the response.

    \b
    Examples:
      shuangsui client GET /api/v1/publications
      shuangsui client GET /api/v1/deadlines --key var/keys/demo/scjgj.key -q status=overdue
      shuangsui client POST /api/v1/notes --key var/keys/demo/scjgj.key --data note.json
      shuangsui client GET /api/v1/trails/task/T-2026-001/bundle \\
          --key var/keys/demo/audit.key --out trail.jsonl
    A JSON body is printed indented; text and JSON lines as they came; any
    other body (or any body, with --out) is saved to a file.
    Exit status 1 when the service answers with a problem (4xx/5xx).
    """
    import requests

    from api.client import Client

    if out is not None:
        writable_output(out)
    key = runtime.signing_key(key_file) if key_file else None
    body = data_file.read() if data_file is not None else None
    if body is not None:
        try:
            json.loads(body)
        except ValueError as exc:
            raise ValidationError(_("--data is not JSON: {exc}", exc=exc)) from exc
    elif method.upper() == "POST":
        body = b"{}"
    params = {}
    for item in query:
        name, sep, value = item.partition("=")
        if not sep:
            raise ValidationError(_("-q {item!r}: expected NAME=VALUE", item=item))
        params[name] = value
    try:
        response = Client(url, key).request(method, path, body=body, params=params)
    except requests.RequestException as exc:
        raise ConflictError(_("cannot reach {url}: {exc}", url=url, exc=exc)) from exc
    show_response(response, out)
    if response.status_code >= 400:
        sys.exit(1)


def show_response(response: Any, out: Path | None) -> None:
    """Print or save a response body by its content type: JSON (and problem+json)
    indented; text, JSON lines and tlog notes as they are; anything else, or any body
    when ``out`` is given, written to a file (响应保存到文件)."""
    kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if out is None and kind in ("application/json", "application/problem+json"):
        try:
            click.echo(json.dumps(response.json(), ensure_ascii=False, indent=2))
            return
        except ValueError:
            pass  # printed as it came, below
    textual = kind.startswith("text/") or kind in (
        "application/json",
        "application/problem+json",
        "application/x-ndjson",
        "application/jsonl",
    )
    if out is None and textual:
        click.echo(response.content.decode("utf-8", errors="replace"), nl=False)
        return
    if out is None:
        raise ValidationError(
            _(
                "the response is {value} ({count} bytes): save it with --out FILE",
                value=kind or "of no stated type",
                count=len(response.content),
            )
        )
    out.write_bytes(response.content)
    say(
        _("saved {size} bytes ({kind}) to {path}", size=len(response.content), kind=kind, path=out),
        err=True,
    )


@click.command()
@click.option(
    "--objects",
    default=20_000,
    show_default=True,
    type=click.IntRange(100, 2_000_000),
    help="How many entities the generated directory holds.",
)
@pass_runtime
def demo(runtime: Runtime, objects: int) -> None:
    """Build the demo county: Anyue (安岳县), its departments, keys, lists, 20,000
    entities, plans, a witnessed joint draw, inspections, results and publications.

    \b
    Leaves an existing ledger as it is. Then:  shuangsui serve
    Demo keys (unsealed, demo only) are written to HOME/keys/demo/.

    \b
    Example:
      shuangsui --home demo-county demo --objects 2000
    """
    from ledger.bootstrap import open_ledger
    from tools.cli.chain import init
    from tools.demo import FIRST_DAY, build, day

    settings = runtime.settings
    ledger = open_ledger(settings, must_exist=False)
    try:
        if ledger.head().position:
            say(
                _(
                    "{database} already holds a ledger; left as it is (remove the home or "
                    "use --home for a fresh demo)",
                    database=settings.describe_database(),
                )
            )
            return
    finally:
        ledger.close()
    click.get_current_context().invoke(
        init,
        origin="anyue.example/shuangsui",
        office_holder="安岳县双随机联合抽查联席会议办公室",
        seal=False,
        # The demo backfills 2026 from its first day; the log's times only move forward.
        genesis_at=day(FIRST_DAY, 9),
    )
    started = time.perf_counter()
    ledger = runtime.open()
    try:
        summary = build(
            ledger,
            runtime.signing_key(settings.office_key_path),
            settings.home,
            objects=objects,
            progress=lambda text: click.echo(f"  {text}"),
        )
    finally:
        ledger.close()
    say(
        _(
            "demo county built in {seconds} s: {entries} entries from {commands} signed "
            "commands, {drawn} objects drawn",
            seconds=format(time.perf_counter() - started, ".0f"),
            entries=format(summary["size"], ","),
            commands=format(summary["commands"], ","),
            drawn=summary["drawn"],
        )
    )
    say(_("demo keys in {path} (e.g. scjgj.key, jiwei.key, audit.key)", path=summary["keys"]))
    home = click.get_current_context().find_root().params.get("home")
    serve_cmd = f"shuangsui --home {home} serve" if home else "shuangsui serve"
    say(_("next: {command}   then open http://127.0.0.1:8080/docs", command=serve_cmd))
