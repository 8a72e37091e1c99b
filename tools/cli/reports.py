"""report submit: quarterly reports and the annual summary (R10.6;
``ledger/areas/reports``)."""

from __future__ import annotations

import base64
import hashlib
import mimetypes
from pathlib import Path
from typing import Any

import click

from ledger.areas.reports.commands import REPORT_FILE_MAX
from ledger.errors import ValidationError
from ledger.i18n import _, os_reason
from projections.read import reports
from projections.read.deadlines import as_of
from tools.cli.output import Output, listing
from tools.cli.projected import TODAY, projected
from tools.cli.runtime import (
    KEY,
    Runtime,
    echo_json,
    header_lines,
    pass_runtime,
    read_ledger,
    shown,
)
from tools.cli.terms import Term

#: The level above the county's joint conference (上级联席会议).
UPPER = "资阳市市场监管领域部门联合双随机一公开监管联席会议"


@click.group("report")
def report_group() -> None:
    """Quarterly reports and the annual summary (R10.6).

    \b
    Example:
      shuangsui report submit --key scjgj.key --kind quarterly --year 2026 \\
          --quarter 4 --summary q4.txt
    """


@report_group.command("submit")
@KEY
@click.option("--kind", type=Term("report_kind"), required=True)
@click.option("--year", type=int, required=True)
@click.option("--quarter", type=click.IntRange(1, 4))
@click.option(
    "--summary",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    required=True,
    help=(
        "The written report: a UTF-8 text file (its text is recorded) or a file of any "
        "type, e.g. PDF or DOCX, at most 8 MiB (its bytes are recorded); with its SHA-256."
    ),
)
@click.option(
    "--media-type",
    metavar="TYPE/SUBTYPE",
    help="The file's media type (default: from its name; a UTF-8 .txt/.md is text).",
)
@click.option("--note", help="A short note.")
@pass_runtime
def report_submit(
    runtime: Runtime,
    key_file: str,
    kind: str,
    year: int,
    quarter: int | None,
    summary: Path,
    media_type: str | None,
    note: str | None,
) -> None:
    """Submit a report to the office; your department's key signs it.

    \b
    Example:
      shuangsui report submit --key scjgj.key --kind quarterly --year 2026 \\
          --quarter 4 --summary q4.txt
      shuangsui report submit --key scjgj.key --kind annual --year 2026 \\
          --summary 2026年度总结.pdf
    """
    params: dict[str, Any] = {"kind": kind, "year": year, **report_body(summary, media_type)}
    if quarter:
        params["quarter"] = quarter
    if note:
        params["note"] = note
    outcome = runtime.run(key_file, "report.submit", params)
    if kind == "quarterly":
        done = _(
            "quarterly report {period} submitted for {department}",
            period=outcome["period"],
            department=outcome["department"],
        )
    else:
        done = _(
            "annual summary {period} submitted for {department}",
            period=outcome["period"],
            department=outcome["department"],
        )
    runtime.say(done)


def report_body(summary: Path, media_type: str | None) -> dict[str, Any]:
    """The report's parameters from its file (R10.6): a text file (UTF-8, a ``text/*``
    type) as its text, without surrounding blank space; any other file as its bytes in
    base64 with its media type. Either way with the SHA-256 of what is recorded."""
    try:
        size = summary.stat().st_size
        if size > REPORT_FILE_MAX:
            raise ValidationError(
                _(
                    "{summary} has {size} bytes; a report file has at most {limit}",
                    summary=summary,
                    size=size,
                    limit=REPORT_FILE_MAX,
                ),
                {"summary": [_("larger than {n} bytes", n=REPORT_FILE_MAX)]},
            )
        data = summary.read_bytes()
    except OSError as exc:
        raise ValidationError(
            _("cannot read {summary}: {reason}", summary=summary, reason=os_reason(exc)),
            {"summary": [os_reason(exc)]},
        ) from None
    declared = media_type or mimetypes.guess_type(summary.name)[0]
    if declared in (None, "text/plain", "text/markdown"):
        try:
            text = data.decode("utf-8").strip()
        except UnicodeDecodeError:
            text = ""  # not UTF-8 text: recorded as a file
        if text:
            return {"summary_sha256": hashlib.sha256(text.encode()).hexdigest(), "text": text}
    if not data:
        raise ValidationError(
            _("{summary} is empty", summary=summary), {"summary": [_("an empty file")]}
        )
    return {
        "summary_sha256": hashlib.sha256(data).hexdigest(),
        "file": base64.b64encode(data).decode("ascii"),
        "media_type": (declared or "application/octet-stream").lower(),
    }


@report_group.command("list")
@click.option("--department", help="Only this department's reports.")
@click.option("--year", type=int, help="Only this year's reports.")
@listing()
@pass_runtime
def report_list(runtime: Runtime, department: str | None, year: int | None, out: Output) -> None:
    """The reports submitted to the office, with their text (R10.6).

    \b
    Example:
      shuangsui report list --year 2026 --json
    """
    with projected(runtime) as (__, store):
        found = reports.submitted(store.db, department=department, year=year)

    def table() -> Any:
        yield from header_lines(_("department | kind | period | submitted | media type | bytes"))
        for r in found:
            yield (
                f"{r['department']} {r['department_name'] or ''} | {r['kind']} | {r['period']} | "
                f"{r['submitted_on']} | "
                + (
                    f"{r['media_type']} | {r['size']}"
                    if r["size"] is not None
                    else shown(_("digest only"))
                )
            )

    out.rows(found, table=table(), columns=("department", "kind", "period", "submitted_on"))


@report_group.command("file")
@click.option("--department", required=True, help="The department that submitted it.")
@click.option("--kind", type=Term("report_kind"), required=True)
@click.option("--year", type=int, required=True)
@click.option("--quarter", type=click.IntRange(1, 4))
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True, path_type=Path),
    required=True,
    help="Where to write the report's bytes (- for standard output).",
)
@pass_runtime
def report_file(
    runtime: Runtime, department: str, kind: str, year: int, quarter: int | None, output: Path
) -> None:
    """Write a submitted report's bytes, exactly as filed, once they match its digest (R10.6).

    \b
    Example:
      shuangsui report file --department SCJGJ --kind annual --year 2026 --output 总结.pdf
    """
    if (kind == "quarterly") != bool(quarter):
        raise ValidationError(
            _("a quarterly report names its quarter; the annual summary does not"),
            {"quarter": [_("with --kind quarterly only")]},
        )
    period = f"{year}-Q{quarter}" if kind == "quarterly" else str(year)
    with projected(runtime) as (__, store):
        media_type, data, digest = reports.report_file(store.db, department, kind, period)
    if str(output) == "-":
        with click.open_file("-", "wb") as stdout:
            stdout.write(data)
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise ValidationError(
            _("cannot write {output}: {reason}", output=output, reason=os_reason(exc)),
            {"output": [os_reason(exc)]},
        ) from None
    runtime.say(
        _(
            "{output}: {size} bytes, {media_type}, sha256 {digest} (matches the report)",
            output=output,
            size=len(data),
            media_type=media_type,
            digest=digest,
        )
    )


@report_group.command("collate")
@click.option("--year", type=int, required=True)
@click.option("--quarter", type=click.IntRange(1, 4), help="Omit for the annual collation.")
@click.option(
    "--key",
    "key_file",
    type=click.Path(dir_okay=False),
    help="The office's key: record it as sent.",
)
@click.option(
    "--recipient", default="资阳市市场监管领域部门联合双随机一公开监管联席会议", show_default=True
)
@click.option("--sent-on", metavar="YYYY-MM-DD", help="The day it was sent (with --key).")
@TODAY
@pass_runtime
def report_collate(
    runtime: Runtime,
    year: int,
    quarter: int | None,
    key_file: str | None,
    recipient: str,
    sent_on: str | None,
    today: str | None,
) -> None:
    """The office's collation for the level above, generated from the log (R10.6).

    Without --key it prints the collation; with --key and --sent-on the office records it
    as sent (梳理汇总后，向上级联席会议报送).

    \b
    Example:
      shuangsui report collate --year 2026 --quarter 3
      shuangsui report collate --year 2026 --quarter 3 --key office.key --sent-on 2026-10-20
    """
    with projected(runtime) as (__, store):
        content = reports.collation(store.db, year, quarter, as_of(today or sent_on))
    if key_file is None:
        echo_json(content)
        return
    if not sent_on:
        raise ValidationError(_("--sent-on is needed to record the collation as sent"))
    params: dict[str, Any] = {
        "year": year,
        "recipient": recipient,
        "sent_on": sent_on,
        "content": content,
    }
    if quarter:
        params["quarter"] = quarter
    result = runtime.run(key_file, "report.collate", params)
    runtime.say(
        _(
            "collation {period} recorded as sent on {day} (sha256 {digest}...)",
            period=result["period"],
            day=result["sent_on"],
            digest=result["sha256"][:16],
        )
    )


@report_group.command("collations")
@listing()
@pass_runtime
def report_collations(runtime: Runtime, out: Output) -> None:
    """The collations the office recorded as sent to the level above (R10.6).

    \b
    Example:
      shuangsui report collations --json
    """
    with projected(runtime) as (__, store):
        found = reports.collations(store.db)

    def table() -> Any:
        yield from header_lines(_("period | sent | recipient | sha256"))
        for c in found:
            digest = c["content_sha256"][:16]
            yield f"{c['period']} | {c['sent_on']} | {c['recipient']} | {digest}..."

    out.rows(found, table=table(), columns=("period", "sent_on", "recipient", "content_sha256"))


#: Where the appraisal input goes (县政府绩效考核).
APPRAISAL = "安岳县人民政府绩效考核"


@report_group.command("appraisal")
@click.option("--year", type=int, required=True)
@click.option(
    "--key",
    "key_file",
    type=click.Path(dir_okay=False),
    help="The office's key: record it as sent (its figures as the log gives them today).",
)
@click.option("--recipient", default=APPRAISAL, show_default=True)
@click.option("--sent-on", metavar="YYYY-MM-DD", help="The day it was sent (with --key).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@TODAY
@pass_runtime
def report_appraisal(
    runtime: Runtime,
    year: int,
    key_file: str | None,
    recipient: str,
    sent_on: str | None,
    as_json: bool,
    today: str | None,
) -> None:
    """The office's yearly appraisal input per member department, computed from the log (R10.2).

    Facts, not a score: the item list, the plan, the reports and the annual summary filed
    and whether on time; the tasks led, organised and checked on time; results published
    within 20 working days; notices received and their rectification. With --key and
    --sent-on the office records it as sent to the government's performance appraisal
    (纳入政府绩效考核体系); the ledger recomputes the figures and refuses any that differ.

    \b
    Example:
      shuangsui report appraisal --year 2026
      shuangsui report appraisal --year 2026 --key office.key --sent-on 2027-01-15
    """
    from ledger.areas.reports.appraisal import appraise

    if not 2000 <= year <= 2100:
        raise ValidationError(_("year is 2000-2100"), {"year": [_("2000-2100")]})
    if key_file is not None and today:
        raise ValidationError(
            _("the appraisal is recorded as the log gives it today: --today is for reading"),
            {"today": [_("not with --key")]},
        )
    day = as_of(today)
    content = read_ledger(runtime, lambda ledger: appraise(ledger, year, day))
    if key_file is None:
        if as_json:
            echo_json(content)
        else:
            for line in appraisal_lines(content):
                click.echo(line)
        return
    if not sent_on:
        raise ValidationError(_("--sent-on is needed to record the appraisal as sent"))
    result = runtime.run(
        key_file,
        "report.appraise",
        {"year": year, "recipient": recipient, "sent_on": sent_on, "content": content},
    )
    runtime.say(
        _(
            "appraisal input {year} recorded as sent on {day} (sha256 {digest}...)",
            year=result["year"],
            day=result["sent_on"],
            digest=result["sha256"][:16],
        )
    )


def appraisal_lines(content: dict[str, Any]) -> Any:
    """The appraisal as a person reads it: per department, its name, then each fact."""
    yield shown(
        _("appraisal input {year}, as of {as_of}", year=content["year"], as_of=content["as_of"])
    )
    for d in content["departments"]:
        yield ""
        yield f"{d['department']} {d['name']}"
        listed, plan = d["item_list"], d["annual_plan"]
        yield "  " + shown(
            _(
                "item list (due {due}): {done} -- {status}",
                due=listed["due"],
                done=listed["published_on"] or "-",
                status=status_name(listed["status"]),
            )
        )
        yield "  " + shown(
            _(
                "annual plan (due {due}): {done} -- {status}",
                due=plan["due"],
                done=plan["published_on"] or "-",
                status=status_name(plan["status"]),
            )
        )
        for r in d["reports"]:
            yield "  " + shown(
                _(
                    "report {period} (due {due}): {done} -- {status}",
                    period=r["period"],
                    due=r["due"],
                    done=r["submitted_on"] or "-",
                    status=status_name(r["status"]),
                )
            )
        for t in d["tasks_led"]:
            for w in t["draws"] or [{}]:
                yield "  " + shown(
                    _(
                        "task {task} {name} draw {draw}: {objects} objects, organised {organised}"
                        " -- {status}; checks by the planned end {on_time}, after it {late}, "
                        "objects unchecked {unchecked}",
                        task=t["task"],
                        name=t["name"],
                        draw=w.get("draw", "-"),
                        objects=w.get("objects", 0),
                        organised=w.get("organised_on") or "-",
                        status=status_name(w.get("organise_status", "due")),
                        on_time=w.get("checks_by_planned_end", 0),
                        late=w.get("checks_after_planned_end", 0),
                        unchecked=w.get("objects_unchecked", 0),
                    )
                )
        r = d["results"]
        yield "  " + shown(
            _(
                "results entered {entered}: published within 20 working days {met}, late "
                "{late}, withheld by law {withheld}, overdue {overdue}, not yet due {due}, "
                "calendar not recorded {unknown}",
                entered=r["entered"],
                met=r["published_within_20_working_days"],
                late=r["published_late"],
                withheld=r["withheld_by_law"] + r["withheld_late"],
                overdue=r["overdue"],
                due=r["not_yet_due"],
                unknown=r["calendar_unknown"],
            )
        )
        for n in d["notices"]:
            yield "  " + shown(
                _(
                    "notice {notice} ({issued_on}, rectification due {due}): {done} -- {status}",
                    notice=n["notice"],
                    issued_on=n["issued_on"],
                    due=n["due"],
                    done=n["rectified_on"] or "-",
                    status=status_name(n["status"]),
                )
            )
        total = d["summary"]
        yield "  " + shown(
            _(
                "owed acts: met {met}, met late {late}, overdue {overdue}, still due {due}, "
                "calendar not recorded {unknown}",
                met=total["met"],
                late=total["met late"],
                overdue=total["overdue"],
                due=total["due"],
                unknown=total["calendar unknown"],
            )
        )


def status_name(status: str) -> str:
    """A deadline status with its Chinese (the deadline board's labels)."""
    from projections.read.deadlines import STATUS_LABELS

    label = STATUS_LABELS.get(status)
    return f"{label} {status}" if label else status


@report_group.command("appraisals")
@listing()
@pass_runtime
def report_appraisals(runtime: Runtime, out: Output) -> None:
    """The appraisal inputs the office recorded as sent (R10.2).

    \b
    Example:
      shuangsui report appraisals --json
    """
    with projected(runtime) as (__, store):
        found = reports.appraisals(store.db)

    def table() -> Any:
        yield from header_lines(_("year | sent | recipient | sha256"))
        for a in found:
            yield f"{a['year']} | {a['sent_on']} | {a['recipient']} | {a['content_sha256'][:16]}..."

    out.rows(found, table=table(), columns=("year", "sent_on", "recipient", "content_sha256"))
