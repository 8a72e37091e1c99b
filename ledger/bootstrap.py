"""The one place that wires the ledger: every area's commands, the recorders, the log.

:data:`AREAS` lists every area's ``commands`` module; :func:`registry` builds the
:class:`~ledger.commanding.Registry` of their typed commands (once). Opening a ledger
goes through :func:`open_ledger`, which checks the database can be reached and builds
the :class:`~ledger.application.Ledger` with that registry and the chained recorders
its settings select.
"""

from __future__ import annotations

from functools import cache

import psycopg

from ledger.application import Ledger
from ledger.areas.bodies import commands as body_commands
from ledger.areas.calendar import commands as calendar_commands
from ledger.areas.credit import commands as credit_commands
from ledger.areas.departments import commands as department_commands
from ledger.areas.directory import commands as directory_commands
from ledger.areas.draws import commands as draw_commands
from ledger.areas.inspections import commands as inspection_commands
from ledger.areas.inspectors import commands as inspector_commands
from ledger.areas.items import commands as item_commands
from ledger.areas.keys import commands as key_commands
from ledger.areas.notes import commands as note_commands
from ledger.areas.notices import commands as notice_commands
from ledger.areas.plans import commands as plan_commands
from ledger.areas.reports import commands as report_commands
from ledger.areas.results import commands as result_commands
from ledger.areas.reviews import commands as review_commands
from ledger.areas.tasks import commands as task_commands
from ledger.areas.witness import commands as witness_commands
from ledger.areas.worklist import commands as worklist_commands
from ledger.audit.evidence import RouteTable
from ledger.commanding import Registry
from ledger.config import PostgresTarget, Settings
from ledger.errors import NotFoundError, StorageError
from ledger.i18n import _, os_reason
from ledger.keys import SigningKey
from ledger.transparency.log import Transparency

AREAS = (
    key_commands,
    department_commands,
    note_commands,
    calendar_commands,
    item_commands,
    directory_commands,
    inspector_commands,
    plan_commands,
    task_commands,
    draw_commands,
    inspection_commands,
    result_commands,
    report_commands,
    review_commands,
    notice_commands,
    worklist_commands,
    body_commands,
    credit_commands,
    witness_commands,
)


@cache
def registry() -> Registry:
    """Every typed command of every area, by action."""
    return Registry.of_areas(*AREAS)


def route_table() -> RouteTable:
    """The evidence route table of every area's commands, for reading ``rfc9421``
    evidence without an open ledger (a bundle, the tests); an open ledger has it as
    :attr:`~ledger.application.Ledger.routes`."""
    return registry().route_table()


def preflight(settings: Settings) -> None:
    """Fail fast, with a clear message, if the configured database cannot be reached."""
    target = settings.target
    if isinstance(target, PostgresTarget):
        try:
            with psycopg.connect(
                host=target.host,
                port=target.port,
                user=target.user,
                password=target.password or None,
                dbname=target.dbname,
                connect_timeout=settings.connect_timeout,
            ):
                pass
        except psycopg.Error as exc:
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else "no answer"
            raise StorageError(
                _(
                    "cannot reach PostgreSQL at {target}: {message}",
                    target=target.describe(),
                    message=message,
                )
            ) from exc


def open_ledger(
    settings: Settings,
    *,
    signer: SigningKey | None = None,
    must_exist: bool = True,
    read_only: bool = False,
) -> Ledger:
    """Open the ledger described by ``settings``.

    ``must_exist``: refuse (rather than create) a ledger that has no genesis yet;
    reading commands (status, verify) use it so a typo in ``--home`` does not
    leave an empty database behind.

    ``read_only`` (``verify``): open the database so that nothing can be written and
    nothing is created in it -- the auditor's look must not change what it audits.
    """
    if read_only and not must_exist:
        raise ValueError("a ledger opened read-only must exist")
    target = settings.target
    if must_exist and not isinstance(target, PostgresTarget) and not target.exists():
        raise NotFoundError(
            _(
                "no ledger at {target}; run 'shuangsui init' or pass --home / --database-url",
                target=target,
            )
        )
    preflight(settings)
    if not must_exist and not isinstance(target, PostgresTarget):
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                _(
                    "cannot create {parent}: {strerror}",
                    parent=target.parent,
                    strerror=os_reason(exc),
                )
            ) from exc
    ledger = Ledger(settings, registry=registry(), signer=signer, read_only=read_only)
    ledger.attach(
        Transparency(ledger, every=settings.checkpoint_every, interval=settings.checkpoint_interval)
    )
    if must_exist and ledger.head().position == 0:
        ledger.close()
        raise NotFoundError(
            _(
                "the ledger at {settings} is empty; run 'shuangsui init'",
                settings=settings.describe_database(),
            )
        )
    return ledger
