"""A provincial deployment: many county logs in one database (省级部署, issue 15 part 7).

The province's home (``SHUANGSUI_HOME``) holds ``counties.json``, the list of counties
this deployment serves; each county has

* a **code** (``anyue``: lower-case letters, digits and ``_``), which names it in the
  request path (``/c/anyue/api/v1/...``), on the command line (``--county anyue``) and
  in its database schema (``county_anyue``);
* its **own log**: on PostgreSQL a schema of its own in the province's one database
  (its chain, tree, checkpoints, events and nonces), on SQLite a file of its own;
* its **own home** ``HOME/counties/<code>/``: its ledger and office keys, receipts, read
  models and read nonces;
* its **own origin** (the log's name in checkpoints) and, optionally, the host names
  that select it (``anyue.example.gov.cn``).

Invariants: a county's settings differ from the province's only in the home and the
schema (or SQLite file), so every command that works on one ledger works on one county
unchanged, and a county's log verifies alone (``shuangsui --county anyue verify``).
Nothing a county stores names another county; the province's only shared state is this
file. An unknown county is a :class:`~ledger.errors.NotFoundError` naming the counties
there are. Nothing here reads the environment.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from ledger.config import Settings
from ledger.errors import ConflictError, NotFoundError, ValidationError
from ledger.i18n import _

COUNTIES_FILE = "counties.json"
COUNTIES_DIR = "counties"
#: A county's code: it becomes a path segment and part of a PostgreSQL schema name.
CODE = re.compile(r"[a-z][a-z0-9_]{0,29}")
#: A host name that selects a county (RFC 1123 labels, no port).
HOST = re.compile(
    r"(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*"
)
#: An origin: a schema-less URL without spaces (as ``shuangsui init --origin``).
ORIGIN = re.compile(r"[^\s/][^\s]{0,254}")


@dataclass(frozen=True)
class County:
    """One county the province serves."""

    code: str
    name: str
    origin: str
    hosts: tuple[str, ...] = ()

    @property
    def schema(self) -> str:
        """The PostgreSQL schema holding this county's log."""
        return f"county_{self.code}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "origin": self.origin,
            "hosts": list(self.hosts),
            "schema": self.schema,
        }


def check_code(code: str) -> str:
    if not CODE.fullmatch(code):
        raise ValidationError(
            _(
                "county code {code!r} is not valid: lower-case letters, digits and _, "
                "starting with a letter, at most 30 (e.g. anyue)",
                code=code,
            )
        )
    return code


def _check(county: County) -> County:
    check_code(county.code)
    if not county.name.strip():
        raise ValidationError(_("county {code} needs a name", code=county.code))
    if not ORIGIN.fullmatch(county.origin):
        raise ValidationError(
            _(
                "origin {origin!r} is not a schema-less URL without spaces "
                "(e.g. anyue.example/shuangsui)",
                origin=county.origin,
            )
        )
    for host in county.hosts:
        if not HOST.fullmatch(host):
            raise ValidationError(
                _("host {host!r} is not a lower-case host name without a port", host=host)
            )
    return county


class Counties:
    """The counties of one provincial deployment (``HOME/counties.json``)."""

    def __init__(self, home: Path, counties: tuple[County, ...] = ()) -> None:
        self.home = Path(home)
        self._counties = {c.code: c for c in counties}

    @property
    def path(self) -> Path:
        return self.home / COUNTIES_FILE

    @classmethod
    def load(cls, home: Path) -> Counties:
        """The counties configured under ``home`` (none if it has no ``counties.json``)."""
        path = Path(home) / COUNTIES_FILE
        if not path.exists():
            return cls(Path(home))
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            rows = document["counties"]
            counties = tuple(
                _check(
                    County(
                        code=str(row["code"]),
                        name=str(row["name"]),
                        origin=str(row["origin"]),
                        hosts=tuple(str(h) for h in row.get("hosts", ())),
                    )
                )
                for row in rows
            )
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise ValidationError(
                _("{path} is not a county list: {exc}", path=path, exc=exc)
            ) from exc
        return cls(Path(home), counties)

    def __iter__(self) -> Iterator[County]:
        return iter(sorted(self._counties.values(), key=lambda c: c.code))

    def __len__(self) -> int:
        return len(self._counties)

    def __contains__(self, code: object) -> bool:
        return code in self._counties

    def get(self, code: str) -> County:
        """The county ``code``, or :class:`NotFoundError` naming the ones there are."""
        county = self._counties.get(code)
        if county is None:
            known = ", ".join(sorted(self._counties)) or _(
                "none; add one with 'shuangsui county add'"
            )
            raise NotFoundError(
                _(
                    "no county {code!r} in {path}; the counties are: {known}",
                    code=code,
                    path=self.path,
                    known=known,
                )
            )
        return county

    def by_host(self, host: str) -> County | None:
        """The county a request's ``Host`` selects (the port ignored), if any."""
        name = host.rsplit(":", 1)[0].strip().lower() if not host.startswith("[") else host
        for county in self._counties.values():
            if name in county.hosts:
                return county
        return None

    def add(self, county: County) -> Counties:
        """A copy with ``county`` added; a code, origin or host used twice is refused."""
        _check(county)
        if county.code in self._counties:
            raise ConflictError(_("county {code} is already configured", code=county.code))
        for other in self._counties.values():
            if other.origin == county.origin:
                raise ConflictError(
                    _(
                        "origin {origin} is already county {other}'s",
                        origin=county.origin,
                        other=other.code,
                    )
                )
            shared = set(other.hosts) & set(county.hosts)
            if shared:
                raise ConflictError(
                    _(
                        "host {host} already selects county {other}",
                        host=", ".join(sorted(shared)),
                        other=other.code,
                    )
                )
        return Counties(self.home, (*self._counties.values(), county))

    def save(self) -> None:
        """Write ``counties.json`` (to a temporary name first, then renamed)."""
        self.home.mkdir(parents=True, exist_ok=True)
        document = {"counties": [c.as_dict() for c in self]}
        temp = self.path.with_name(f".{COUNTIES_FILE}.new")
        temp.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        os.replace(temp, self.path)


def county_settings(province: Settings, county: County) -> Settings:
    """The settings of one county's ledger: the county's own home under the province's,
    and on PostgreSQL the province's database with the county's schema (on SQLite the
    county's own file in its home)."""
    home = province.home / COUNTIES_DIR / county.code
    url = province.database_url
    if url is None or not province.is_postgres:
        return replace(province, home=home, database_url=None)
    parts = urlsplit(url)
    query = {k: v for k, v in parse_qs(parts.query).items() if k != "schema"}
    query["schema"] = [county.schema]
    return replace(
        province,
        home=home,
        database_url=urlunsplit(parts._replace(query=urlencode(query, doseq=True))),
    )


@dataclass(frozen=True)
class CountyPosition:
    """One county's log as the province reads it: where it stands, nothing more."""

    county: County
    database: str
    size: int | None = None
    head: str | None = None
    checkpoint_size: int | None = None
    checkpoint_created: str | None = None
    problem: str | None = None

    def as_dict(self, lang: str = "en") -> dict[str, Any]:
        """A listing row; ``problem`` in ``lang`` ("zh": Chinese, then the English)."""
        from ledger.i18n import bilingual

        problem = self.problem
        if problem is not None and lang == "zh":
            problem = bilingual(problem)
        return {
            "code": self.county.code,
            "name": self.county.name,
            "origin": self.county.origin,
            "database": self.database,
            "size": self.size,
            "head": self.head,
            "checkpoint_size": self.checkpoint_size,
            "checkpoint_created": self.checkpoint_created,
            "problem": None if problem is None else str(problem),
        }


_HEAD_SQL = "SELECT position, entry_hash FROM {chain} ORDER BY position DESC LIMIT 1"
_CHECKPOINT_SQL = "SELECT size, created FROM {checkpoints} ORDER BY size DESC LIMIT 1"


def _position(county: County, database: str, head: Any, checkpoint: Any) -> CountyPosition:
    if head is None:
        return CountyPosition(
            county, database, problem=_("the ledger is empty; run 'shuangsui init'")
        )
    return CountyPosition(
        county,
        database,
        size=int(head[0]),
        head=bytes(head[1]).hex(),
        checkpoint_size=int(checkpoint[0]) if checkpoint else None,
        checkpoint_created=str(checkpoint[1]) if checkpoint else None,
    )


def county_position(province: Settings, county: County) -> CountyPosition:
    """Where ``county``'s log stands (size, head, latest checkpoint), read with the
    database opened read-only; a county without a log says why instead."""
    return survey(province, Counties(province.home, (county,)))[0]


def _survey_postgres(province: Settings, counties: list[County]) -> list[CountyPosition]:
    """One read-only connection; two indexed queries per county's schema."""
    import psycopg
    from psycopg import sql

    from ledger.config import PostgresTarget
    from ledger.storage.writer import CHAIN_TABLE, CHECKPOINTS_TABLE

    target = province.target
    assert isinstance(target, PostgresTarget)
    out = []
    try:
        conn = psycopg.connect(
            host=target.host,
            port=target.port,
            user=target.user,
            password=target.password or None,
            dbname=target.dbname,
            connect_timeout=province.connect_timeout,
            autocommit=True,
        )
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        problem = _(
            "cannot reach PostgreSQL at {target}: {message}",
            target=target.describe(),
            message=first,
        )
        return [
            CountyPosition(c, county_settings(province, c).describe_database(), problem=problem)
            for c in counties
        ]
    with conn:
        conn.execute("SET default_transaction_read_only = on")
        present = {
            (str(r[0]), str(r[1]))
            for r in conn.execute(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_name IN (%s, %s)",
                (CHAIN_TABLE, CHECKPOINTS_TABLE),
            )
        }
        for county in counties:
            database = county_settings(province, county).describe_database()
            if (county.schema, CHAIN_TABLE) not in present:
                out.append(
                    CountyPosition(
                        county,
                        database,
                        problem=_(
                            "no ledger in schema {schema}; run 'shuangsui --county {code} init'",
                            schema=county.schema,
                            code=county.code,
                        ),
                    )
                )
                continue
            names = {
                "chain": sql.Identifier(county.schema, CHAIN_TABLE),
                "checkpoints": sql.Identifier(county.schema, CHECKPOINTS_TABLE),
            }
            head = conn.execute(sql.SQL(_HEAD_SQL).format(**names)).fetchone()
            checkpoint = None
            if (county.schema, CHECKPOINTS_TABLE) in present:
                checkpoint = conn.execute(sql.SQL(_CHECKPOINT_SQL).format(**names)).fetchone()
            out.append(_position(county, database, head, checkpoint))
    return out


def _survey_sqlite(province: Settings, county: County) -> CountyPosition:
    """The county's own file, opened read-only (``mode=ro``)."""
    import sqlite3
    from urllib.parse import quote

    from ledger.storage.writer import CHAIN_TABLE, CHECKPOINTS_TABLE

    settings = county_settings(province, county)
    database = settings.describe_database()
    path = settings.target
    assert isinstance(path, Path)
    if not path.exists():
        return CountyPosition(
            county,
            database,
            problem=_(
                "no ledger at {target}; run 'shuangsui --county {code} init'",
                target=path,
                code=county.code,
            ),
        )
    try:
        conn = sqlite3.connect(f"file:{quote(str(path.absolute()))}?mode=ro", uri=True)
        try:
            names = {"chain": CHAIN_TABLE, "checkpoints": CHECKPOINTS_TABLE}
            head = conn.execute(_HEAD_SQL.format(**names)).fetchone()
            checkpoint = conn.execute(_CHECKPOINT_SQL.format(**names)).fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return CountyPosition(
            county,
            database,
            problem=_("{settings}: {first_line}", settings=database, first_line=str(exc)),
        )
    return _position(county, database, head, checkpoint)


def survey(province: Settings, counties: Counties) -> list[CountyPosition]:
    """Every county's position, in code order (the province's cross-county read): on
    PostgreSQL one read-only connection for all of them, two indexed queries each; on
    SQLite each county's file opened read-only. Nothing is written or created."""
    chosen = list(counties)
    if province.is_postgres:
        return _survey_postgres(province, chosen)
    return [_survey_sqlite(province, county) for county in chosen]
