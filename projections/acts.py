"""The act's own date (业务日期) of an entry, beside the time it was logged (issue 14 §3).

An entry's ``time`` is when the log recorded it; the act it records often has a date of its
own in the domain -- the day a check was made, a result formed, a result published, a
draw run. A trail shows both, each labelled, so a reader never takes the log's clock for
the act's date. This table names, per event topic, the field that holds that date and
its label in Chinese and English; an event not named here has no date of its own beyond
its log time (registering a key, a note, a draw's entropy).

Invariants: the field is a top-level string of the event's stored state, an ISO date
(``YYYY-MM-DD``); the labels are for people and may change, the topics and fields not.
"""

from __future__ import annotations

from typing import Any

from ledger.areas.bodies.events import QualifiedBody
from ledger.areas.directory.events import DirectoryObject
from ledger.areas.draws.events import Draw
from ledger.areas.inspections.events import Inspection
from ledger.areas.items.events import ItemList
from ledger.areas.notices.events import Notice
from ledger.areas.plans.events import AnnualPlan
from ledger.areas.reports.events import Collation, ProgressReport
from ledger.areas.reviews.events import ObjectProblems
from ledger.areas.tasks.events import JointTask
from ledger.areas.worklist.events import WorkEntry

#: topic -> (field of the event's state, Chinese label, English label)
ACT_DATES: dict[str, tuple[str, str, str]] = {
    Inspection.CheckRecorded.TOPIC: ("checked_on", "检查日期", "checked on"),
    Inspection.ResultEntered.TOPIC: ("formed_on", "结果形成日期", "result formed on"),
    Inspection.Published.TOPIC: ("published_on", "公示日期", "published on"),
    Inspection.Withheld.TOPIC: ("decided_on", "不予公示决定日期", "withholding decided on"),
    Inspection.FollowedUp.TOPIC: ("on", "后续处置日期", "followed up on"),
    Inspection.ExcuseWithdrawn.TOPIC: ("withdrawn_on", "撤回免查日期", "excuse withdrawn on"),
    Draw.Performed.TOPIC: ("organise_from", "抽取日期", "drawn on"),
    JointTask.Organised.TOPIC: ("organised_on", "组织实施日期", "organised on"),
    ItemList.VersionPublished.TOPIC: ("published_on", "清单公布日期", "list published on"),
    AnnualPlan.VersionPublished.TOPIC: ("published_on", "计划公布日期", "plan published on"),
    ProgressReport.Created.TOPIC: ("submitted_on", "报送日期", "submitted on"),
    Collation.Created.TOPIC: ("sent_on", "上报日期", "sent on"),
    Notice.Created.TOPIC: ("issued_on", "通报日期", "notice issued on"),
    Notice.Rectified.TOPIC: ("done_on", "整改完成日期", "rectified on"),
    WorkEntry.Created.TOPIC: ("assigned_on", "交办日期", "assigned on"),
    WorkEntry.Completed.TOPIC: ("done_on", "完成日期", "done on"),
    QualifiedBody.Overseen.TOPIC: ("held_on", "监督评价日期", "overseen on"),
    DirectoryObject.Closed.TOPIC: ("closed_on", "注销日期", "closed on"),
    ObjectProblems.Recorded.TOPIC: ("occurred_on", "问题发生日期", "problem occurred on"),
}


def act_date(topic: str, state: dict[str, Any]) -> str | None:
    """The act's own date recorded in an event of ``topic``, if it has one."""
    spec = ACT_DATES.get(topic)
    if spec is None:
        return None
    value = state.get(spec[0])
    return value if isinstance(value, str) and value else None


def act_label(topic: str) -> str | None:
    """'检查日期 / checked on': what the act's date of an event of ``topic`` is."""
    spec = ACT_DATES.get(topic)
    return f"{spec[1]} / {spec[2]}" if spec else None
