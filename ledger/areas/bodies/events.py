"""The register of qualified bodies (R8.1, R8.2, R4.3).

Testing, audit or survey may be delegated to a qualified body (委托有资质的机构开展检验检测、
财务审计、调查咨询); the delegating department supervises it (委托第三方开展检查的有关部门
应加强对第三方的业务指导和监督). A body is registered with its qualification (资质), the
services it may perform, the scope of that qualification and its validity; departments
record their guidance, supervision and evaluation of it. Invariants: a body's validity
ends on or after it starts; a delegated inspection of a format-2 ledger cites a body
registered for that service and valid on the day of the check; a supervision or
evaluation record that cites a delegation cites a check the recording department's item
delegated to this very body, and is not before that check (and from format 5 every
supervision or evaluation cites one).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.ids import body_id

#: What may be delegated (R8.1): 检验检测, 财务审计, 调查咨询.
SERVICES = ("testing", "audit", "survey")
SERVICE_NAMES = {"testing": "检验检测", "audit": "财务审计", "survey": "调查咨询"}
#: The delegating department's records (R8.2): 业务指导, 监督检查, 评价.
OVERSIGHT = ("guidance", "supervision", "evaluation")
OVERSIGHT_NAMES = {"guidance": "业务指导", "supervision": "监督检查", "evaluation": "评价"}
RATINGS = ("good", "adequate", "poor")  # 好 / 合格 / 差
#: What a supervision or an evaluation is of: one delegation (R8.2, from format 5).
DELEGATED_OVERSIGHT = ("supervision", "evaluation")


class QualifiedBody(Aggregate):
    TOPIC = "shuangsui.body"

    class Created(Aggregate.Created):
        TOPIC = "shuangsui.body.registered"
        body: str
        name: str
        qualification: str
        services: tuple[str, ...]
        scope: str
        valid_from: str
        valid_until: str
        registered_by: str

    class Overseen(Aggregate.Event):
        TOPIC = "shuangsui.body.overseen"
        department: str
        kind: str
        held_on: str
        finding: str
        rating: str | None
        #: The delegation supervised or evaluated (R8.2): the check that delegated the
        #: testing, audit or survey to this body -- ``basis``, ``reference``, ``object``,
        #: ``item`` as the inspections read them; ``None`` for general guidance and on
        #: records made before it was added (schema 1).
        delegation: dict[str, str] | None

        # Schema 2 added ``delegation``: the entry records the schema an event was
        # written at, and a replay compares an older one after this upcast (issue 11.1).
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["delegation"] = None

    @event(Created)
    def __init__(
        self,
        body: str,
        name: str,
        qualification: str,
        services: tuple[str, ...],
        scope: str,
        valid_from: str,
        valid_until: str,
        registered_by: str,
    ) -> None:
        self.body = body
        self.name = name
        self.services = list(services)
        self.valid_from = valid_from
        self.valid_until = valid_until
        self.records: list[dict[str, Any]] = []

    @staticmethod
    def create_id(body: str, **_: Any) -> UUID:
        return body_id(body)

    @event(Overseen)
    def oversee(
        self,
        department: str,
        kind: str,
        held_on: str,
        finding: str,
        rating: str | None,
        delegation: dict[str, str] | None = None,
    ) -> None:
        self.records.append(
            {
                "department": department,
                "kind": kind,
                "held_on": held_on,
                "finding": finding,
                "rating": rating,
                "delegation": delegation,
            }
        )

    def valid_on(self, day: str) -> bool:
        return self.valid_from <= day <= self.valid_until
