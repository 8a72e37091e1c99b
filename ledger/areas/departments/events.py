"""The joint conference's member departments (成员单位) and their sections (股室), R10.1.

The conference office (联席会议办公室) is the root key's holder; departments are
registered by it. A department acts through keys whose ``organisation`` is its code.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.ids import department_id

#: Kinds of member unit; ``judicial`` approves inspector-directory changes (R4.2).
DEPARTMENT_KINDS = (
    "market_supervision",  # 市场监督管理局
    "tax",  # 税务局
    "ecology_environment",  # 生态环境局
    "health",  # 卫生健康局
    "agriculture_rural",  # 农业农村局
    "emergency_management",  # 应急管理局
    "judicial",  # 司法局
    "discipline",  # 纪委监委
    "audit",  # 审计局
    "other",
)
CODE_PATTERN = r"[A-Z][A-Z0-9_-]{1,19}"


class Department(Aggregate):
    TOPIC = "shuangsui.department"

    class Created(Aggregate.Created):
        TOPIC = "shuangsui.department.registered"
        code: str
        name: str
        kind: str

    class SectionAdded(Aggregate.Event):
        TOPIC = "shuangsui.department.section_added"
        section: str

    @event(Created)
    def __init__(self, code: str, name: str, kind: str) -> None:
        self.code = code
        self.name = name
        self.kind = kind
        self.sections: list[str] = []

    @staticmethod
    def create_id(code: str, **_: Any) -> UUID:
        return department_id(code)

    @event(SectionAdded)
    def add_section(self, section: str) -> None:
        self.sections.append(section)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "sections": list(self.sections),
        }
