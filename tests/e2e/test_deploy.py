"""deploy/ (issue 14 §4): the systemd unit passes ``systemd-analyze verify`` (where the
tool exists), the container file's RUN commands work when run in a scratch folder, and
the installed service starts and answers /healthz from a home made 0700."""

from __future__ import annotations

import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def directives(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_the_unit_runs_unprivileged_with_a_private_home() -> None:
    unit = directives((DEPLOY / "shuangsui.service").read_text(encoding="utf-8"))
    assert unit["User"] == ["shuangsui"] and unit["StateDirectoryMode"] == ["0700"]
    assert unit["NoNewPrivileges"] == ["yes"] and unit["ProtectSystem"] == ["strict"]
    assert "SHUANGSUI_HOME=/var/lib/shuangsui" in unit["Environment"]
    assert "serve" in unit["ExecStart"][0] and "--log-file" in unit["ExecStart"][0]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    """The unit as shipped, its ExecStart pointed at this environment's ``shuangsui``."""
    text = (DEPLOY / "shuangsui.service").read_text(encoding="utf-8")
    unit = tmp_path / "shuangsui.service"
    unit.write_text(text.replace("/opt/shuangsui", sys.prefix), encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def containerfile() -> tuple[dict[str, str], list[str], list[str]]:
    """(ENV, RUN commands, other instructions) of deploy/Containerfile."""
    text = (DEPLOY / "Containerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    env: dict[str, str] = {}
    runs: list[str] = []
    other: list[str] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word == "ENV":
            env.update(dict(re.findall(r"(\w+)=(\S+)", rest)))
        elif word == "RUN":
            runs.append(rest)
        else:
            other.append(line)
    return env, runs, other


def test_the_container_runs_as_an_unprivileged_user_with_a_healthcheck() -> None:
    env, _, other = containerfile()
    assert env["SHUANGSUI_HOME"] == "/var/lib/shuangsui"
    assert "USER shuangsui" in other
    assert any(line.startswith("HEALTHCHECK") and "/healthz" in line for line in other)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_container_run_commands_install_a_service_that_answers(tmp_path: Path) -> None:
    """Every RUN line, in order, with the ENV paths moved into a scratch folder; then
    the installed ``shuangsui`` initialises the 0700 home and serves /healthz."""
    env, runs, _ = containerfile()
    source = tmp_path / "src"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(".git", "build", "var", "*.egg-info", "__pycache__", ".*"),
    )
    scratch = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SHUANGSUI_")},
        **env,
        "VENV": str(tmp_path / "venv"),
        "SHUANGSUI_HOME": str(tmp_path / "home"),
        "SRC": str(source),
        "SCRATCH": "1",
    }
    for command in runs:
        result = subprocess.run(
            ["sh", "-c", command], env=scratch, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"RUN {command}\n{result.stdout}\n{result.stderr}"
    home = Path(scratch["SHUANGSUI_HOME"])
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    installed = Path(scratch["VENV"]) / "bin" / "shuangsui"
    init = subprocess.run(
        [str(installed), "init"], env=scratch, capture_output=True, text=True, check=False
    )
    assert init.returncode == 0, init.stderr
    port = free_port()
    server = subprocess.Popen(
        [str(installed), "serve", "--port", str(port)],
        env=scratch,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as answer:
                    assert answer.status == 200
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the installed service never answered /healthz")
    finally:
        server.terminate()
        server.wait(timeout=30)


def roles_script(owner: str, app: str, database: str) -> list[tuple[str | None, str]]:
    """deploy/postgres-roles.sql as (database to connect to, statement) pairs, with its
    role and database names replaced: psql's ``\\connect`` switches the database."""
    text = (DEPLOY / "postgres-roles.sql").read_text(encoding="utf-8")
    text = text.replace("shuangsui_owner", owner).replace("shuangsui_app", app)
    text = re.sub(r"\bshuangsui\b", database, text)
    steps: list[tuple[str | None, str]] = []
    connected: str | None = None
    statement = ""
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("--"):
            continue
        if line.startswith("\\connect "):
            connected = line.split()[1]
            continue
        statement += " " + line
        if statement.endswith(";"):
            steps.append((connected, statement.strip().rstrip(";")))
            statement = ""
    assert not statement.strip(), "a statement without its ';'"
    return steps


@pytest.mark.postgres
def test_the_roles_script_and_the_owners_grant_give_a_service_without_ddl(
    tmp_path: Path,
) -> None:
    """deploy/postgres-roles.sql as a superuser runs it, then the README's two steps: the
    owner creates the tables and grants the service role (``init --create-tables-only
    --grant-to``); the service, as that role with SHUANGSUI_CREATE_TABLES=n, starts the
    ledger, appends and verifies, and can create, drop or truncate nothing (issue 14 §4)."""
    import uuid
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    from ledger.config import Settings
    from tests.support.backends import PG_BASE, require_postgres
    from tests.support.cli import run

    require_postgres()
    tag = uuid.uuid4().hex[:10]
    owner, app, database = f"own_{tag}", f"app_{tag}", f"db_{tag}"
    parts = urlsplit(PG_BASE)
    host = f"{parts.hostname or '127.0.0.1'}:{parts.port or 5432}"

    def url(role: str | None, db: str) -> str:
        if role is None:
            return urlunsplit((parts.scheme, parts.netloc, f"/{db}", "", ""))
        return urlunsplit((parts.scheme, f"{role}:pw-{tag}@{host}", f"/{db}", "", ""))

    base_db = parts.path.lstrip("/") or "postgres"
    try:
        for connected, statement in roles_script(owner, app, database):
            with psycopg.connect(url(None, connected or base_db), autocommit=True) as conn:
                conn.execute(statement)
        with psycopg.connect(PG_BASE, autocommit=True) as conn:
            for role in (owner, app):  # the script leaves passwords to the administrator
                conn.execute(f"ALTER ROLE \"{role}\" PASSWORD 'pw-{tag}'")
        as_owner = Settings(home=tmp_path / "owner", database_url=url(owner, database))
        created = run(as_owner, "init", "--create-tables-only", "--grant-to", app)
        assert created.exit_code == 0, created.output
        service = Settings(
            home=tmp_path / "service", database_url=url(app, database), create_tables=False
        )
        env = {"SHUANGSUI_CREATE_TABLES": "n"}
        started = run(service, "init", "--origin", "roles.example/ledger", env=env)
        assert started.exit_code == 0, started.output
        office = str(service.keys_dir / "office.key")
        assert run(service, "append-note", "--key", office, "服务角色", env=env).exit_code == 0
        assert run(service, "verify", "--allow-unwitnessed", env=env).exit_code == 0
        with psycopg.connect(url(app, database), autocommit=True) as conn:
            for statement in (
                "CREATE TABLE public.intruder (a int)",
                "DROP TABLE public.ledger_chain",
                "TRUNCATE public.ledger_chain",
                "DELETE FROM public.shuangsui_events",
                "ALTER TABLE public.ledger_chain DISABLE TRIGGER ALL",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(statement)
    finally:
        with psycopg.connect(PG_BASE, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            for role in (app, owner):
                conn.execute(f'DROP ROLE IF EXISTS "{role}"')
