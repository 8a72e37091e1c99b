"""The roles a key may hold (R10.1), and who may send what.

A key's roles come from its registration event. Every typed command names the roles
that may send it (:attr:`ledger.commanding.Command.roles`); the ledger refuses any
other key before the command's handler runs, and the API's gate reads the same
declaration, so the CLI, the API and an auditor's replay enforce one matrix.
"""

from __future__ import annotations

OFFICE = "office"  # 联席会议办公室: the root of trust; registers keys
LEDGER = "ledger"  # the ledger itself: seals entries, signs derived events
DEPARTMENT = "department"  # 成员单位 operator
INSPECTOR = "inspector"  # 执法检查人员
WITNESS = "witness"  # 见证人: discipline inspection, notary, market entity, third party
JUDICIAL = "judicial"  # 司法部门 reviewer of inspector-directory changes
DISCIPLINE = "discipline"  # 纪检监察 inspector: reads everything, writes reviews
AUDITOR = "auditor"  # 审计: reads everything

#: Every role, in the order listings show them.
ROLES = (OFFICE, LEDGER, DEPARTMENT, INSPECTOR, WITNESS, JUDICIAL, DISCIPLINE, AUDITOR)

#: A command any registered, valid key may send (e.g. rotating one's own key).
ANY = "any registered key"

#: Reads of current state: any registered key (results are shared across departments).
STATE_READ = frozenset({ANY})
#: Trails, reviews and evidence bundles: oversight.
OVERSIGHT_READ = frozenset({OFFICE, DISCIPLINE, AUDITOR})


def allowed(key_roles: tuple[str, ...] | list[str], roles: frozenset[str]) -> bool:
    """Whether a key holding ``key_roles`` may do what ``roles`` allows."""
    return ANY in roles or bool(set(key_roles) & roles)
