"""Settings: where the ledger lives and which database holds its log.

Configuration enters as a mapping (the CLI passes ``os.environ``; tests pass a
dict); nothing here reads the environment by itself. The recognised keys:

``SHUANGSUI_HOME``          the ledger home (default ``./var``): SQLite file, keys
``SHUANGSUI_DATABASE_URL``  ``postgresql://user[:password]@host[:port]/db[?schema=s]``
                            switches the log to PostgreSQL; ``sqlite:///path`` names
                            another SQLite file. Unset: ``<home>/ledger.sqlite3``.
``SHUANGSUI_CHECKPOINT_EVERY``     a checkpoint every N entries (default 1000, 0: off)
``SHUANGSUI_CHECKPOINT_INTERVAL``  ... or every T seconds of activity (default 300)
``SHUANGSUI_CREATE_TABLES``        ``n``: never create tables, indexes or triggers (the
                            service runs as a PostgreSQL role without DDL rights; the
                            owner ran ``shuangsui init --create-tables-only`` once)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

from ledger.errors import ConfigurationError
from ledger.i18n import _

APP_NAME = "shuangsui"
DEFAULT_HOME = "./var"
SQLITE_FILE = "ledger.sqlite3"
KEYS_DIR = "keys"
LEDGER_KEY_FILE = "ledger.key"
OFFICE_KEY_FILE = "office.key"


@dataclass(frozen=True)
class PostgresTarget:
    host: str
    port: int
    user: str
    password: str
    dbname: str
    schema: str = ""

    def describe(self) -> str:
        schema = f" (schema {self.schema})" if self.schema else ""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}{schema}"


def parse_database_url(url: str) -> PostgresTarget | Path:
    """Parse a database URL into a PostgreSQL target or an SQLite file path."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ConfigurationError(
            _("database URL {url!r} is malformed: {exc}", url=url, exc=exc)
        ) from exc
    scheme = parts.scheme.lower()
    if scheme in ("postgresql", "postgres"):
        dbname = unquote(parts.path.lstrip("/"))
        if not parts.hostname or not dbname:
            raise ConfigurationError(
                _(
                    "database URL {url!r} needs a host and a database name: "
                    "postgresql://user@host:port/dbname",
                    url=url,
                )
            )
        query = parse_qs(parts.query)
        unknown = set(query) - {"schema"}
        if unknown:
            raise ConfigurationError(
                _(
                    "database URL option(s) {unknown} not understood; only ?schema= is",
                    unknown=", ".join(sorted(unknown)),
                )
            )
        return PostgresTarget(
            host=parts.hostname,
            port=port or 5432,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password or ""),
            dbname=dbname,
            schema=query.get("schema", [""])[0],
        )
    if scheme == "sqlite":
        if not parts.path:
            raise ConfigurationError(_("database URL {url!r} names no SQLite file", url=url))
        return Path(unquote(parts.path))
    raise ConfigurationError(
        _(
            "database URL scheme {value!r} is not supported; use "
            "postgresql://user@host:port/dbname or sqlite:///path/to/file",
            value=parts.scheme or "(none)",
        )
    )


@dataclass(frozen=True)
class Settings:
    """Everything the ledger needs to open its log."""

    home: Path = Path(DEFAULT_HOME)
    database_url: str | None = None
    #: Seconds a command's ``created`` time may differ from the ledger's clock.
    command_window: int = 300
    #: Seconds to wait for PostgreSQL (a connection, or one from the pool) before giving
    #: up: the API then answers 503 (env SHUANGSUI_CONNECT_TIMEOUT).
    connect_timeout: int = 5
    #: A checkpoint is written every this many entries (0: only on demand) ...
    checkpoint_every: int = 1000
    #: ... or when this many seconds have passed since the last one and entries arrived.
    checkpoint_interval: float = 300.0
    #: False: never create tables, indexes or triggers (``SHUANGSUI_CREATE_TABLES=n``).
    create_tables: bool = True
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_mapping(
        cls,
        environ: Mapping[str, str],
        *,
        home: str | Path | None = None,
        database_url: str | None = None,
    ) -> Settings:
        home = home or environ.get("SHUANGSUI_HOME") or DEFAULT_HOME
        url = database_url or environ.get("SHUANGSUI_DATABASE_URL") or None
        try:
            every = int(environ.get("SHUANGSUI_CHECKPOINT_EVERY", "1000"))
            interval = float(environ.get("SHUANGSUI_CHECKPOINT_INTERVAL", "300"))
            connect_timeout = int(environ.get("SHUANGSUI_CONNECT_TIMEOUT", "5"))
        except ValueError as exc:
            raise ConfigurationError(_("a setting is not a number: {exc}", exc=exc)) from None
        if not 1 <= connect_timeout <= 300:
            raise ConfigurationError(_("SHUANGSUI_CONNECT_TIMEOUT must be 1..300 seconds"))
        create = environ.get("SHUANGSUI_CREATE_TABLES", "y").strip().lower()
        if create not in ("y", "yes", "1", "true", "n", "no", "0", "false"):
            raise ConfigurationError(
                _("SHUANGSUI_CREATE_TABLES={create!r}: use y or n", create=create)
            )
        settings = cls(
            home=Path(home),
            database_url=url,
            checkpoint_every=every,
            checkpoint_interval=interval,
            connect_timeout=connect_timeout,
            create_tables=create in ("y", "yes", "1", "true"),
        )
        __ = settings.target  # validate the URL now, not on first use
        return settings

    def with_home(self, home: Path) -> Settings:
        return replace(self, home=home)

    @property
    def target(self) -> PostgresTarget | Path:
        if self.database_url:
            return parse_database_url(self.database_url)
        return self.home / SQLITE_FILE

    @property
    def is_postgres(self) -> bool:
        return isinstance(self.target, PostgresTarget)

    @property
    def keys_dir(self) -> Path:
        return self.home / KEYS_DIR

    @property
    def ledger_key_path(self) -> Path:
        return self.keys_dir / LEDGER_KEY_FILE

    @property
    def office_key_path(self) -> Path:
        return self.keys_dir / OFFICE_KEY_FILE

    def describe_database(self) -> str:
        target = self.target
        if isinstance(target, PostgresTarget):
            return target.describe()
        return f"sqlite:///{target}"

    def eventsourcing_env(
        self, *, create_table: bool = True, read_only: bool = False
    ) -> dict[str, str]:
        """The eventsourcing library's settings for this ledger's recorder.

        ``read_only`` (``shuangsui verify``): the database is opened so that nothing can
        be written to it -- SQLite through a ``mode=ro`` URI, PostgreSQL with every
        transaction read-only (``default_transaction_read_only``) -- and no table,
        index or trigger is created (issue 11, part 4).
        """
        target = self.target
        env = {
            "CREATE_TABLE": "y" if create_table and self.create_tables and not read_only else "n",
            "ORIGINATOR_ID_TYPE": "uuid",
            # Cached aggregates are fast-forwarded with the events written since (by
            # any process), and deep-copied out, so a failed command cannot taint them.
            "AGGREGATE_CACHE_MAXSIZE": "10000",
            "AGGREGATE_CACHE_FASTFORWARD": "y",
            "DEEPCOPY_FROM_AGGREGATE_CACHE": "y",
        }
        if isinstance(target, PostgresTarget):
            env.update(
                PERSISTENCE_MODULE="eventsourcing.postgres",
                APPLICATION_RECORDER_TOPIC="ledger.storage.recorders:ChainedPostgresRecorder",
                POSTGRES_DBNAME=target.dbname,
                POSTGRES_HOST=target.host,
                POSTGRES_PORT=str(target.port),
                POSTGRES_USER=target.user,
                POSTGRES_PASSWORD=target.password,
                POSTGRES_SCHEMA=target.schema,
                POSTGRES_CONNECT_TIMEOUT=str(self.connect_timeout),
                # The stored-procedure insert skips the table lock and every Python
                # hook, so it would write events without chain rows. Never enable it.
                POSTGRES_ENABLE_DB_FUNCTIONS="n",
                POSTGRES_POOL_SIZE="2",
                POSTGRES_MAX_OVERFLOW="8",
                POSTGRES_LOCK_TIMEOUT="30",
            )
            if read_only:
                env.update(
                    PERSISTENCE_MODULE="ledger.storage.recorders:LedgerPostgresFactory",
                    LEDGER_READ_ONLY="y",
                )
        else:
            env.update(
                PERSISTENCE_MODULE="ledger.storage.recorders:LedgerSQLiteFactory",
                APPLICATION_RECORDER_TOPIC="ledger.storage.recorders:ChainedSQLiteRecorder",
                SQLITE_DBNAME=(
                    f"file:{quote(str(target.absolute()))}?mode=ro" if read_only else str(target)
                ),
                SQLITE_LOCK_TIMEOUT="30",
            )
        env.update(self.extra)
        return env
