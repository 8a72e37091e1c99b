"""The verifiable draw (双随机, R7.4, R7.5): seed, tickets, selection, matching.

Pure functions of (commitment, entropy, snapshot); the standard library only (the one
project import, ``ledger.errors``, is the exception tree's root and standard library
only itself), so a discipline inspector can recompute a draw from an export with
nothing else.

* **Seed.** ``SHA-256("shuangsui-draw-v1" || lp(commitment hash) || lp(label) ||
  lp(value) ...)`` over every entropy source in a fixed order: witnesses by key id,
  then dice digits, then the beacon's randomness; ``lp(x)`` is x's length as 4
  big-endian bytes, then x. A witness that did not reveal, where the commitment's
  fallback allows it, enters as label ``absent:<key id>`` with an empty value, so
  the seed records its absence.
* **Tickets.** ``ticket(purpose, id) = int(SHA-256(seed || lp(purpose) || lp(id)))``,
  a 256-bit integer: independent of input order, no modulo bias (consistent
  sampling, as in RFC 3797 and Rivest's sampler).
* **Selection.** In each stratum of N eligible objects, ``n = min(N, ceil(ratio * N))``
  with exact decimal arithmetic; the n smallest object tickets are drawn. Their ticket
  order is the inspection order (for key items, the batch order, R3.2).
* **Matching.** Officers of each department are put in ticket order once; objects,
  in ticket order, take the next eligible officer of each department that brings
  items for them, cyclically, then more officers until the team has ``team_size``
  (at least two enforcement officers, R7.4); experts only in addition (R4.3).
  Eligible: certified on the inspection date, qualified for the department's items,
  no declared conflict with the object (回避), under the workload cap. Grouped mode
  forms teams first (one officer per department, then filled), in ticket order, and
  gives objects to teams cyclically. When no choice satisfies the constraints the
  draw fails naming the object and the constraint. Draws committed on format-2 ledgers
  name :data:`MATCHING_V2` (checklists, territory and expertise) in their commitment.

One module, a little over 500 lines, on purpose: it is the whole of what an outside
party reimplements to recompute a draw, and reads best in one place.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ledger.errors import LedgerError
from ledger.i18n import _

ALGORITHM = "shuangsui-draw-v1"
"""The draw of format-1 ledgers: the seed, tickets, selection and matching above."""
ALGORITHM_V2 = "shuangsui-draw-v2"
"""The draw of format-2 ledgers (``ledger.formats``): the same seed construction under its
own name, and the ceremony rules that keep the lead from steering it (R7.5): every entropy
source fixed before any is revealed, one open draw per task, a beacon round a stated
margin after the commitment, witness statements signed over the commitment, recusals
declared or approved (``ledger.draw.ceremony``)."""
ALGORITHM_V3 = "shuangsui-draw-v3"
"""The draw of format-2 ledgers since the credit feedback (R5.1, R5.3, R5.4): v2's seed
construction (under its own name) and ceremony rules, with eligibility that reads the log's
credit record -- a penalty case, a judicial referral or a verified violation recorded
under an object's name puts it in the directed stratum of later draws
(``ledger.draw.eligibility``)."""
ALGORITHMS = (ALGORITHM, ALGORITHM_V2, ALGORITHM_V3)
"""Every draw version, oldest first: a later one keeps every rule of those before it."""


def rules_since(algorithm: str, version: str) -> bool:
    """Whether a draw recorded under ``algorithm`` runs under the rules ``version``
    introduced (each version keeps the rules of the ones before it)."""
    return ALGORITHMS.index(algorithm) >= ALGORITHMS.index(version)


MATCHING_V2 = "shuangsui-matching-v2"
"""The matching of draws committed on format-2 ledgers, named by the commitment's
``matching_rules`` (absent: the matching above). Each drawn object carries its
checklist (进一次门、查多项事, R6.1, R6.6): the task's items for its kind whose
department supervises it (谁审批谁监管, R4.1); only those departments' officers are
sent, each department's item tokens as before. Among a department's eligible officers
the one that fits the object best is dealt (R7.3): same 片区 as the object (2 points),
业务专长 matching its industry or the name of one of the department's items on its
checklist (1 point, either text containing the other); among equals the first from the
pool's turn, which moves past each officer dealt, so the work goes round (workload, R7.3,
under the cap). Grouped mode forms teams per set of
departments the checklists need, gives each object the best-fitting free team of its
set, and adds ``experts_per_object`` outside experts per object as dispersed mode does
(the first matching ignored them in grouped mode). A recusal's replacement is still
the next eligible officer of the same department in ticket order."""


class DrawError(LedgerError, ValueError):
    """The constraints cannot be met; ``object`` and ``constraint`` say where and why.

    The commands turn it into a :class:`~ledger.errors.RuleViolationError` (R7.4); on its
    own it answers the same: HTTP 422 ``rule-violation``, CLI exit status 2. Still a
    ``ValueError``, as it always was."""

    status = 422
    code = "rule-violation"

    def __init__(self, object_id: str, constraint: str) -> None:
        super().__init__(
            _("object {object}: {constraint}", object=object_id, constraint=constraint)
        )
        self.object = object_id
        self.constraint = constraint


def lp(data: bytes) -> bytes:
    """Length-prefixed bytes: 4-byte big-endian length, then the bytes."""
    return len(data).to_bytes(4, "big") + data


_PLAIN = re.compile(r'[^"\\\x00-\x1f]*')


_ESCAPED = re.compile(r'["\\\x00-\x1f]')


def string_leaf(values: Sequence[str]) -> bytes:
    """:func:`leaf` of strings only, looking for characters to escape once per row."""
    if values and _ESCAPED.search("".join(values)) is None:
        return ('["' + '","'.join(values) + '"]').encode("utf-8")
    return leaf(values)


def leaf(values: Sequence[Any]) -> bytes:
    """Snapshot leaf bytes: a JSON array of strings, integers, booleans and sorted lists
    of strings -- for these, Python's compact JSON equals RFC 8785. Strings that need no
    escaping (the common case) are joined directly; the bytes are the same."""
    if values and all(type(v) is str and _PLAIN.fullmatch(v) for v in values):
        return ('["' + '","'.join(values) + '"]').encode("utf-8")
    return json.dumps(list(values), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class EntropySource:
    label: str  # "witness:<key id>", "absent:<key id>", "dice", "beacon:<round>"
    value: bytes


def seed_of(
    commitment_hash: bytes, sources: Sequence[EntropySource], algorithm: str = ALGORITHM
) -> bytes:
    """The seed over the commitment and every entropy source (caller fixes the order),
    under the algorithm's name (``shuangsui-draw-v1``, ``-v2`` or ``-v3``)."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown draw algorithm {algorithm!r}")
    material = algorithm.encode()
    material += lp(commitment_hash)
    for source in sources:
        material += lp(source.label.encode("utf-8")) + lp(source.value)
    return hashlib.sha256(material).digest()


def ticket(seed: bytes, purpose: str, ident: str) -> int:
    digest = hashlib.sha256(seed + lp(purpose.encode()) + lp(ident.encode("utf-8"))).digest()
    return int.from_bytes(digest, "big")


def stratum_size(ratio: str, count: int) -> int:
    """n = ceil(ratio * N), never more than N; exact (decimal), never a float."""
    return min(count, math.ceil(Decimal(ratio) * count))


@dataclass(frozen=True)
class Stratum:
    key: str
    ratio: str
    ids: tuple[str, ...]


@dataclass(frozen=True)
class Drawn:
    object: str
    stratum: str
    ticket: int


def tickets(seed: bytes, purpose: str, idents: Iterable[str]) -> Iterator[tuple[int, str]]:
    """(ticket, id) for many ids: the same values as :func:`ticket`, hashing the common
    prefix once."""
    prefix = hashlib.sha256(seed + lp(purpose.encode()))
    for ident in idents:
        h = prefix.copy()
        raw = ident.encode("utf-8")
        h.update(len(raw).to_bytes(4, "big") + raw)
        yield int.from_bytes(h.digest(), "big"), ident


def smallest_tickets(
    seed: bytes, purpose: str, idents: Sequence[str], n: int
) -> list[tuple[int, str]]:
    """``heapq.nsmallest(n, tickets(seed, purpose, idents))``: the n smallest (ticket,
    id), in order. Each is ranked as the bytes ``SHA-256(...) || UTF-8(id)``, whose
    order is (ticket, id)'s (a digest is 32 big-endian bytes; UTF-8 keeps code point
    order), so no integer is made but for the n drawn, and the heap is C's (issue 15.4)."""
    if n <= 0:
        return []
    raws = [ident.encode("utf-8") for ident in idents]
    prefix = seed + lp(purpose.encode())
    sha = hashlib.sha256
    sizes = set(map(len, raws))
    if len(sizes) == 1:  # ids of one length (the common case): one prefix for all
        head = prefix + sizes.pop().to_bytes(4, "big")
        ranked = [sha(head + raw).digest() + raw for raw in raws]
    else:
        ranked = [sha(prefix + lp(raw)).digest() + raw for raw in raws]
    heapq.heapify(ranked)
    pop = heapq.heappop
    chosen = [pop(ranked) for _count in range(min(n, len(ranked)))]
    return [(int.from_bytes(c[:32], "big"), c[32:].decode("utf-8")) for c in chosen]


def select(seed: bytes, strata: Iterable[Stratum]) -> tuple[dict[str, dict[str, Any]], list[Drawn]]:
    """Draw each stratum; return per-stratum (N, ratio, n) and all drawn objects in
    ticket order (the inspection order)."""
    summary: dict[str, dict[str, Any]] = {}
    drawn: list[Drawn] = []
    for stratum in strata:
        n = stratum_size(stratum.ratio, len(stratum.ids))
        chosen = smallest_tickets(seed, "object", stratum.ids, n)
        summary[stratum.key] = {"count": len(stratum.ids), "ratio": stratum.ratio, "n": n}
        drawn += [Drawn(i, stratum.key, t) for t, i in chosen]
    drawn.sort(key=lambda d: (d.ticket, d.object))
    return summary, drawn


# --- matching ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Officer:
    """An inspector as the commitment snapshot holds them; ``region`` (片区) and
    ``expertise`` (业务专长) are read by :data:`MATCHING_V2` only."""

    person: str
    department: str
    kind: str  # officer | expert | daily
    certified: bool  # certificate valid on the inspection date
    qualifications: frozenset[str]
    conflicts: frozenset[str]
    region: str = ""
    expertise: frozenset[str] = frozenset()

    def leaf(self, matching_rules: str | None = None) -> bytes:
        values: list[Any] = [
            self.person,
            self.department,
            self.kind,
            self.certified,
            sorted(self.qualifications),
            sorted(self.conflicts),
        ]
        if matching_rules == MATCHING_V2:  # what that matching reads is committed too
            values += [self.region, sorted(self.expertise)]
        return leaf(values)


@dataclass(frozen=True)
class Job:
    """A drawn object to staff: the departments whose items apply, and what each
    department's officers must be qualified for (any one of the tokens per item)."""

    object: str
    stratum: str
    ticket: int
    needs: tuple[tuple[str, tuple[frozenset[str], ...]], ...]  # (department, per-item tokens)
    #: :data:`MATCHING_V2`: the object's 片区, and per department the texts an officer's
    #: 业务专长 is matched against (the object's industry, the names of its items).
    region: str = ""
    topics: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Rules:
    mode: str  # dispersed | grouped
    team_size: int
    workload_cap: int | None
    experts_per_object: int = 0
    matching_rules: str | None = None  # None: the first matching; or MATCHING_V2
    #: Daily-supervision staff (从事日常监管工作的人员, R4.2) per object beside its
    #: enforcement officers: draws committed on format-4 ledgers (``daily_per_object``).
    daily_per_object: int = 0

    @property
    def weighs(self) -> bool:
        """Whether officers are weighed by territory, expertise and load (R7.3)."""
        return self.matching_rules == MATCHING_V2


@dataclass
class _Pool:
    """One department's officers in ticket order, dealt cyclically."""

    order: list[Officer]
    pointer: int = 0
    #: Matching v2: the positions in ``order`` of each 片区's officers, in order.
    regions: dict[str, list[int]] | None = None
    #: Matching v2: per set of an object's topics, the positions in ``order`` of the
    #: officers whose 业务专长 matches one of them, in order (kept once per pool).
    expertise: dict[tuple[tuple[str, tuple[str, ...]], ...], list[int]] = field(
        default_factory=dict
    )

    def of_region(self, region: str) -> list[int]:
        if self.regions is None:
            self.regions = {}
            for index, officer in enumerate(self.order):
                if officer.region:
                    self.regions.setdefault(officer.region, []).append(index)
        return self.regions.get(region, []) if region else []

    def of_expertise(self, topics: tuple[tuple[str, tuple[str, ...]], ...]) -> list[int]:
        """The positions of the officers :func:`fit` gives the 业务专长 point for an
        object with these ``topics``, in order."""
        found = self.expertise.get(topics)
        if found is None:
            wanted = dict(topics)
            found = [
                index
                for index, officer in enumerate(self.order)
                if _expert_in(officer, wanted.get(officer.department, ()))
            ]
            self.expertise[topics] = found
        return found


def _qualified(officer: Officer, requirements: tuple[frozenset[str], ...]) -> bool:
    return all(officer.qualifications & tokens for tokens in requirements)


def fit(officer: Officer, job: Job) -> int:
    """How well an officer fits an object (R7.3): 2 for the same 片区, 1 for a 业务专长
    matching the object's industry or one of the officer's department's items on it."""
    score = 2 if officer.region and officer.region == job.region else 0
    if _expert_in(officer, dict(job.topics).get(officer.department, ())):
        score += 1
    return score


def _expert_in(officer: Officer, topics: Iterable[str]) -> bool:
    """Whether one of the officer's 业务专长 matches one of ``topics`` (R7.3)."""
    return any(e and t and (e in t or t in e) for e in officer.expertise for t in topics)


@dataclass
class Matcher:
    """Deals officers to objects (dispersed) or teams (grouped); keeps the loads."""

    seed: bytes
    officers: Sequence[Officer]
    rules: Rules
    load: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        purpose = "team" if self.rules.mode == "grouped" else "inspector"
        ordered = sorted(
            self.officers, key=lambda o: (ticket(self.seed, purpose, o.person), o.person)
        )
        self.pools: dict[str, _Pool] = {}
        for officer in ordered:
            if officer.kind == "officer" and officer.certified:
                self.pools.setdefault(officer.department, _Pool([])).order.append(officer)
        self.experts = _Pool([o for o in ordered if o.kind == "expert"])
        #: Per department, its daily-supervision staff in ticket order (R4.2).
        self.daily: dict[str, _Pool] = {}
        for officer in ordered:
            if officer.kind == "daily":
                self.daily.setdefault(officer.department, _Pool([])).order.append(officer)

    def _under_cap(self, person: str) -> bool:
        cap = self.rules.workload_cap
        return cap is None or self.load.get(person, 0) < cap

    def _deal(
        self,
        pool: _Pool,
        job: Job,
        taken: set[str],
        requirements: tuple[frozenset[str], ...] | None,
        refused: frozenset[str] = frozenset(),
    ) -> Officer | None:
        size = len(pool.order)

        def eligible(officer: Officer) -> bool:
            return not (
                officer.person in taken
                or officer.person in refused
                or job.object in officer.conflicts
                or not self._under_cap(officer.person)
                or (requirements is not None and not _qualified(officer, requirements))
            )

        chosen = None
        if self.rules.weighs:
            chosen = self._best_fit(pool, job, eligible)
        else:
            for step in range(size):
                index = (pool.pointer + step) % size
                if eligible(pool.order[index]):
                    chosen = index
                    break
        if chosen is None:
            return None
        pool.pointer = (chosen + 1) % size
        return pool.order[chosen]

    @staticmethod
    def _best_fit(pool: _Pool, job: Job, eligible: Callable[[Officer], bool]) -> int | None:
        """Matching v2: the position of the eligible officer with the best :func:`fit`,
        the first from the pool's turn among equals. Only the object's 片区 can score 2
        or 3, so its officers are looked at first; then the first with a matching 业务专长
        from the turn, else the first eligible."""
        size = len(pool.order)
        best: tuple[int, int] | None = None  # (-fit, step)
        for index in pool.of_region(job.region):
            officer = pool.order[index]
            if eligible(officer):
                key = (-fit(officer, job), (index - pool.pointer) % size)
                best = key if best is None or key < best else best
        if best is not None:
            return (pool.pointer + best[1]) % size
        # No officer of the 片区 is eligible, so an eligible officer's fit is its 业务专长
        # point alone: the first eligible one with it in the turn, else the first
        # eligible. The positions with it are kept per pool, so a pool in which nobody
        # fits is not scanned once per object for them (issue 15, province draws).
        fitting = pool.of_expertise(job.topics)
        start = bisect.bisect_left(fitting, pool.pointer)
        for at in range(len(fitting)):
            index = fitting[(start + at) % len(fitting)]
            if eligible(pool.order[index]):
                return index
        for step in range(size):
            index = (pool.pointer + step) % size
            if eligible(pool.order[index]):
                return index
        return None

    def staff(self, job: Job) -> list[str]:
        """Dispersed mode: one officer per department that brings items, then fillers."""
        team: list[Officer] = []
        taken: set[str] = set()
        for department, requirements in job.needs:
            pool = self.pools.get(department, _Pool([]))
            officer = self._deal(pool, job, taken, requirements)
            if officer is None:
                raise DrawError(
                    job.object,
                    (
                        _(
                            "no enforcement officer of {department} who is certified on the "
                            "inspection date, qualified for its items, free of a declared conflict "
                            "with the object and under the workload cap",
                            department=department,
                        )
                    ),
                )
            team.append(officer)
            taken.add(officer.person)
        needs = dict(job.needs)
        while len(team) < self.rules.team_size:
            found = None
            for department, _needs in job.needs:
                found = self._deal(
                    self.pools.get(department, _Pool([])), job, taken, needs[department]
                )
                if found:
                    break
            if found is None:
                raise DrawError(
                    job.object,
                    (
                        _(
                            "fewer than {team_size} eligible enforcement officers "
                            "(at least two are required, R7.4)",
                            team_size=self.rules.team_size,
                        )
                    ),
                )
            team.append(found)
            taken.add(found.person)
        team += self.add_experts(job, taken)
        team += self.add_daily(job, taken)
        for officer in team:
            self.load[officer.person] = self.load.get(officer.person, 0) + 1
        return [o.person for o in team]

    def add_experts(self, job: Job, taken: set[str]) -> list[Officer]:
        """``experts_per_object`` outside experts for the job, in addition (R4.3)."""
        experts = []
        for _expert in range(self.rules.experts_per_object):
            expert = self._deal(self.experts, job, taken, None)
            if expert is None:
                raise DrawError(job.object, _("no outside expert free of conflict and under cap"))
            experts.append(expert)
            taken.add(expert.person)
        return experts

    def add_daily(self, job: Job, taken: set[str]) -> list[Officer]:
        """``daily_per_object`` daily-supervision staff (从事日常监管工作的人员, R4.2) for the
        job, in addition to its enforcement officers, never instead of them: the source
        enters them in the inspector directory the draw picks from (执法检查人员名录库 ...
        包括 ... 从事日常监管工作的人员), but they hold no enforcement qualification, so
        the two officers an inspection needs (R7.4) are drawn as before. Seat ``i`` is
        dealt from the ``i``-th department with items on the object (cyclically), then
        the next, each from its own staff in their turn (weighed by 片区 and 业务专长 under
        matching v2), free of a declared conflict and under the workload cap."""
        staff: list[Officer] = []
        departments = [d for d, _needs in job.needs]
        for seat in range(self.rules.daily_per_object):
            found = None
            for step in range(len(departments)):
                department = departments[(seat + step) % len(departments)]
                found = self._deal(self.daily.get(department, _Pool([])), job, taken, None)
                if found is not None:
                    break
            if found is None:
                raise DrawError(
                    job.object,
                    _(
                        "no daily-supervision staff member of {departments} free of a "
                        "declared conflict with the object and under the workload cap",
                        departments=", ".join(departments),
                    ),
                )
            staff.append(found)
            taken.add(found.person)
        return staff

    def teams(self, needs: Sequence[tuple[str, tuple[frozenset[str], ...]]]) -> list[list[Officer]]:
        """Grouped mode: teams of one officer per department, filled to ``team_size``."""
        departments = [d for d, _tokens in needs]
        requirements = dict(needs)
        pools = {
            d: [o for o in self.pools.get(d, _Pool([])).order if _qualified(o, requirements[d])]
            for d in departments
        }
        # As many teams as every department can staff, and as the officers can fill.
        total = sum(len(p) for p in pools.values())
        count = min(
            min((len(p) for p in pools.values()), default=0), total // max(self.rules.team_size, 1)
        )
        teams = [[pools[d][i] for d in departments] for i in range(count)]
        spare = [o for d in departments for o in pools[d][count:]]
        spare.sort(key=lambda o: (ticket(self.seed, "team", o.person), o.person))
        i = 0
        for team in teams:
            while len(team) < self.rules.team_size and i < len(spare):
                team.append(spare[i])
                i += 1
        return [t for t in teams if len(t) >= self.rules.team_size]


def match(
    seed: bytes, jobs: Sequence[Job], officers: Sequence[Officer], rules: Rules
) -> list[dict[str, Any]]:
    """Staff every job, in ticket order; raise :class:`DrawError` naming the first that
    cannot be staffed. Returns one assignment per job."""
    matcher = Matcher(seed, officers, rules)
    assignments: list[dict[str, Any]] = []
    if rules.mode == "grouped" and rules.weighs:
        return _match_grouped_v2(matcher, jobs, rules)
    if rules.mode == "dispersed":
        for order, job in enumerate(jobs):
            assignments.append(
                {
                    "object": job.object,
                    "stratum": job.stratum,
                    "order": order,
                    "team": matcher.staff(job),
                }
            )
        return assignments
    all_needs = sorted({(d, r) for job in jobs for d, r in job.needs}, key=lambda n: n[0])
    merged: dict[str, tuple[frozenset[str], ...]] = {}
    for department, requirements in all_needs:
        merged[department] = tuple(
            sorted(set(merged.get(department, ())) | set(requirements), key=sorted)
        )
    teams = matcher.teams(sorted(merged.items()))
    cursor = 0
    for order, job in enumerate(jobs):
        chosen = None
        for step in range(len(teams)):
            index = (cursor + step) % len(teams)
            team = teams[index]
            if any(job.object in o.conflicts for o in team) or not all(
                matcher._under_cap(o.person) for o in team
            ):
                continue
            chosen, cursor = index, (index + 1) % len(teams)
            break
        if chosen is None:
            raise DrawError(
                job.object,
                (
                    _(
                        "no team whose members are all free of a declared conflict with the "
                        "object and under the workload cap"
                    )
                    if teams
                    else _(
                        "no team of {team_size} officers covering every department can be formed",
                        team_size=rules.team_size,
                    )
                ),
            )
        for officer in teams[chosen]:
            matcher.load[officer.person] = matcher.load.get(officer.person, 0) + 1
        assignments.append(
            {
                "object": job.object,
                "stratum": job.stratum,
                "order": order,
                "team": [o.person for o in teams[chosen]],
                "team_no": chosen + 1,
            }
        )
    return assignments


def _merged(
    jobs: Iterable[Job],
) -> list[tuple[str, tuple[frozenset[str], ...]]]:
    """Per department, every token set any of the jobs requires of its officers."""
    merged: dict[str, set[frozenset[str]]] = {}
    for job in jobs:
        for department, requirements in job.needs:
            merged.setdefault(department, set()).update(requirements)
    return [(d, tuple(sorted(r, key=sorted))) for d, r in sorted(merged.items())]


def _match_grouped_v2(matcher: Matcher, jobs: Sequence[Job], rules: Rules) -> list[dict[str, Any]]:
    """:data:`MATCHING_V2`'s grouped mode: teams per set of departments the objects'
    checklists need; each object gets the best-fitting team of its set that is free of
    conflict and under the cap (ties: the cyclic turn), then its outside experts."""
    by_set: dict[tuple[str, ...], list[Job]] = {}
    for job in jobs:
        by_set.setdefault(tuple(d for d, _tokens in job.needs), []).append(job)
    teams: dict[tuple[str, ...], list[tuple[int, list[Officer]]]] = {}
    numbered = 0
    for departments in sorted(by_set):
        formed = matcher.teams(_merged(by_set[departments]))
        teams[departments] = [(numbered + i + 1, t) for i, t in enumerate(formed)]
        numbered += len(formed)
    cursors = dict.fromkeys(teams, 0)
    fits: dict[tuple[tuple[str, ...], str, tuple[tuple[str, tuple[str, ...]], ...]], list[int]] = {}
    assignments: list[dict[str, Any]] = []
    for order, job in enumerate(jobs):
        departments = tuple(d for d, _tokens in job.needs)
        candidates, cursor = teams[departments], cursors[departments]
        scores = fits.get((departments, job.region, job.topics))
        if scores is None:  # a team's fit depends on the object's 片区 and topics only
            scores = [sum(fit(o, job) for o in team) for _number, team in candidates]
            fits[(departments, job.region, job.topics)] = scores
        top = max(scores, default=0)
        best: tuple[int, int] | None = None
        for step in range(len(candidates)):
            index = (cursor + step) % len(candidates)
            team = candidates[index][1]
            if any(job.object in o.conflicts for o in team) or not all(
                matcher._under_cap(o.person) for o in team
            ):
                continue
            key = (-scores[index], step)
            if best is None or key < best:
                best = key
            if scores[index] == top:  # nothing later in the turn can do better
                break
        if best is None:
            raise DrawError(
                job.object,
                (
                    _(
                        "no team whose members are all free of a declared conflict with the "
                        "object and under the workload cap"
                    )
                    if candidates
                    else _(
                        "no team of {team_size} officers covering {departments} can be formed",
                        team_size=rules.team_size,
                        departments=", ".join(departments),
                    )
                ),
            )
        index = (cursor + best[1]) % len(candidates)
        cursors[departments] = (index + 1) % len(candidates)
        number, team = candidates[index]
        members = list(team)
        members += matcher.add_experts(job, {o.person for o in team})
        members += matcher.add_daily(job, {o.person for o in members})
        for officer in members:
            matcher.load[officer.person] = matcher.load.get(officer.person, 0) + 1
        assignments.append(
            {
                "object": job.object,
                "stratum": job.stratum,
                "order": order,
                "team": [o.person for o in members],
                "team_no": number,
            }
        )
    return assignments


def replacement(
    seed: bytes,
    job: Job,
    officers: Sequence[Officer],
    rules: Rules,
    team: Sequence[str],
    recused: str,
    loads: dict[str, int],
    refused: Iterable[str] = (),
    algorithm: str = ALGORITHM,
) -> str:
    """The officer who replaces ``recused`` on ``job`` (回避): the next eligible officer of
    the same department after them, in the draw's ticket order, deterministically. Under
    ``shuangsui-draw-v2`` a recused outside expert is replaced by the next eligible
    expert (v1 dealt an officer, and keeps doing so: its draws must still verify)."""
    matcher = Matcher(seed, officers, rules, load=dict(loads))
    by_person = {o.person: o for o in officers}
    leaving = by_person[recused]
    if rules_since(algorithm, ALGORITHM_V2) and leaving.kind == "expert":
        pool = matcher.experts
        if leaving in pool.order:
            pool.pointer = (pool.order.index(leaving) + 1) % len(pool.order)
        found = matcher._deal(pool, job, set(team), None, refused=frozenset({recused, *refused}))
        if found is None:
            raise DrawError(
                job.object,
                _("no outside expert free of conflict can replace {recused}", recused=recused),
            )
        return found.person
    if leaving.kind == "daily":  # R4.2 (format 4): the next of the department's daily staff
        pool = matcher.daily.get(leaving.department, _Pool([]))
        if leaving in pool.order:
            pool.pointer = (pool.order.index(leaving) + 1) % len(pool.order)
        found = matcher._deal(pool, job, set(team), None, refused=frozenset({recused, *refused}))
        if found is None:
            raise DrawError(
                job.object,
                _(
                    "no daily-supervision staff member of {department} can replace {recused}",
                    department=leaving.department,
                    recused=recused,
                ),
            )
        return found.person
    pool = matcher.pools.get(leaving.department, _Pool([]))
    if leaving in pool.order:
        pool.pointer = (pool.order.index(leaving) + 1) % len(pool.order)
    requirements = dict(job.needs).get(leaving.department)
    found = matcher._deal(
        pool, job, set(team), requirements, refused=frozenset({recused, *refused})
    )
    if found is None:
        raise DrawError(
            job.object,
            _(
                "no eligible officer of {department} can replace {recused}",
                department=leaving.department,
                recused=recused,
            ),
        )
    return found.person
