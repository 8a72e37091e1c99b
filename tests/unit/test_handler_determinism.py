"""Handlers read only the log, the command and its signed ``created`` time (issue 11.1).

A replay re-runs every command years later, on other machines, with other package
versions; whatever a handler reads besides the log and the command would make the
replay differ. Read from the source with ``ast``: the modules commands are decided in
-- every area's ``commands``, ``rules`` and ``events``, the draw, and the shared
command machinery -- import no clock, randomness, environment, file system or
changing data (``chinesecalendar``: the working-day calendar a handler uses must come
from the log's calendar area or from data pinned in the entry), and call no
``now()``/``today()``/``uuid4()``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LEDGER = ROOT / "ledger"

HANDLER_MODULES = sorted(
    [
        *(p for name in ("commands", "rules", "events") for p in LEDGER.glob(f"areas/*/{name}.py")),
        *LEDGER.glob("draw/*.py"),
        *(
            LEDGER / f"{name}.py"
            for name in ("commanding", "params", "fields", "ids", "formats", "roles")
        ),
        *LEDGER.glob("replay/*.py"),
    ]
)

#: Modules whose answers change with the clock, the machine or a package release.
FORBIDDEN_MODULES = {
    "time",
    "random",
    "secrets",
    "os",
    "socket",
    "subprocess",
    "chinese_calendar",
    "ledger.workdays",
    "ledger.config",
}
#: Calls that read the clock or draw randomness.
FORBIDDEN_CALLS = {"now", "today", "utcnow", "uuid1", "uuid4", "china_today", "urandom"}


#: The one handler module that may build a working-day calendar: from the log only
#: (``recorded_calendar``, ``official=False``), never from the package's data.
CALENDAR_RULES = LEDGER / "areas" / "calendar" / "rules.py"


def problems(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            names += [a.name for a in node.names if a.name in FORBIDDEN_CALLS]
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in FORBIDDEN_CALLS:
                yield f"line {node.lineno}: calls {name}()"
            continue
        else:
            continue
        for name in names:
            if path == CALENDAR_RULES and name in (
                "ledger.workdays",
                "ledger.workdays.WorkCalendar",
            ):
                continue
            if name in FORBIDDEN_MODULES or name.split(".")[0] in FORBIDDEN_MODULES:
                yield f"line {node.lineno}: imports {name}"
            elif name in FORBIDDEN_CALLS:
                yield f"line {node.lineno}: imports {name}"


def test_the_handler_modules_are_found() -> None:
    assert len(HANDLER_MODULES) > 30
    assert LEDGER / "areas" / "notes" / "commands.py" in HANDLER_MODULES


@pytest.mark.parametrize("path", HANDLER_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_handler_module_reads_no_clock_randomness_or_changing_data(path: Path) -> None:
    found = list(problems(path))
    assert not found, f"{path.relative_to(ROOT)}: " + "; ".join(found)


def test_the_check_sees_a_clock_read(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import time\nimport datetime as dt\nfrom uuid import uuid4\n"
        "from chinese_calendar import is_workday\n"
        "x = dt.datetime.now()\ny = uuid4()\n",
        encoding="utf-8",
    )
    found = list(problems(bad))
    assert any("imports time" in f for f in found)
    assert any("imports chinese_calendar" in f for f in found)
    assert any("calls now()" in f for f in found)
    assert any("calls uuid4()" in f for f in found)


def test_the_recorded_calendar_never_asks_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 11.1: the calendar a handler uses comes from the log (the calendar area);
    a year the office has not recorded is refused, whatever ``chinesecalendar`` knows."""
    import datetime as dt

    import chinese_calendar  # type: ignore[import-untyped]

    from ledger.areas.calendar.events import Calendar
    from ledger.areas.calendar.rules import recorded_calendar
    from ledger.errors import ValidationError
    from ledger.ids import calendar_id

    def no_package(_day: dt.date) -> bool:
        raise AssertionError("a handler's calendar consulted chinesecalendar")

    monkeypatch.setattr(chinese_calendar, "is_workday", no_package)
    calendar = Calendar()
    calendar.amend(days={"2026-10-10": True, "2026-10-01": False}, declare_years=(2026,), note="")

    class Log:
        def find(self, aggregate_id: object) -> object | None:
            return calendar if aggregate_id == calendar_id() else None

    recorded = recorded_calendar(Log())
    assert recorded.is_workday(dt.date(2026, 10, 10))  # an adjusted working Saturday
    assert not recorded.is_workday(dt.date(2026, 10, 1))  # National Day
    assert recorded.is_workday(dt.date(2026, 10, 12))  # a Monday of a declared year
    assert recorded.add_workdays(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 2)
    with pytest.raises(ValidationError, match="no working-day calendar recorded in the ledger"):
        recorded.is_workday(dt.date(2027, 1, 4))

    class Empty:
        def find(self, aggregate_id: object) -> object | None:
            return None

    with pytest.raises(ValidationError, match="for 2026"):
        recorded_calendar(Empty()).is_workday(dt.date(2026, 10, 12))
