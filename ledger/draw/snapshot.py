"""The snapshot a draw commits to: the eligible objects and inspectors, as Merkle roots.

Invariants: the object root is the RFC 9162 tree over the sorted leaves
``[id, stratum, kind]`` of every eligible object (matching v2: ``[id, stratum, kind,
片区, industry, supervisors]``, what that matching reads); the inspector root is the tree
over each committed inspector's leaf (:meth:`ledger.draw.algorithm.Officer.leaf`), in
person order; the summary holds the counts and roots and nothing a reader could not
recompute from the log at the committed position.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ledger.audit.collector import paused_gc
from ledger.audit.hashing import tree_root
from ledger.draw.algorithm import (
    _ESCAPED,
    ALGORITHM,
    ALGORITHM_V3,
    MATCHING_V2,
    Officer,
    leaf,
    rules_since,
    string_leaf,
)
from ledger.draw.eligibility import (
    CREDIT_RULES_V1,
    checked_within,
    checks_this_year,
    concentrated_industries,
    excluded_by_earlier_draws,
    officers_for,
    strata_for,
)
from ledger.draw.world import ObjectRecord, World


def root(leaves: Iterable[bytes]) -> str:
    """The RFC 9162 Merkle tree hash of the leaves, in hex (streamed, a chunk of
    leaves at a time: :func:`ledger.audit.hashing.tree_root`)."""
    return tree_root(leaves).hex()


# A character that string_leaf escapes, or that sorts before the quote closing a string
# (so a leaf's bytes could sort apart from its (id, stratum, kind)): where no id, key or
# kind holds one, every leaf is the plain join, and sorting the leaves' bytes sorts them
# as (id, stratum, kind) -- UTF-8 keeps code point order. Checked on the joined plain
# leaves: none of these, and no quote but the six each leaf is built with.
_SPECIAL = re.compile(rb"[\x00-\x21\\]")


def _v2_leaf(ident: str, key: str, kind: str, record: ObjectRecord) -> bytes:
    """``leaf([id, stratum, kind, 片区, industry, sorted supervisors])``: where no string
    needs escaping (the common case) joined directly, the same bytes without the JSON
    encoder (a fifth of a 1M-object verify-draw, issue 15.4)."""
    region, industry, supervisors = record[1] or "", record[2] or "", sorted(record[3])
    strings = (ident, key, kind, region, industry)
    if _ESCAPED.search("".join((*strings, *supervisors))) is not None:
        return leaf([*strings, supervisors])
    listed = '"' + '","'.join(supervisors) + '"' if supervisors else ""
    return ('["' + '","'.join(strings) + '",[' + listed + "]]").encode("utf-8")


def _v2_tail(key: str, kind: str, record: ObjectRecord) -> str:
    """What follows an object's id in its v2 leaf, from the id's closing quote on: the
    leaf is ``'["' + id + tail`` for an id that needs no escaping (:func:`_v2_leaf`'s
    bytes, the JSON encoder's where a string needs escaping)."""
    region, industry, supervisors = record[1] or "", record[2] or "", sorted(record[3])
    strings = (key, kind, region, industry)
    if _ESCAPED.search("".join((*strings, *supervisors))) is not None:
        return '",' + leaf([*strings, supervisors]).decode("utf-8")[1:]
    listed = '"' + '","'.join(supervisors) + '"' if supervisors else ""
    return '","' + '","'.join(strings) + '",[' + listed + "]]"


# A character that escapes in a leaf or sorts before (or as) the quote closing a string.
_UNSORTED = re.compile(r"[\x00-\x22\\]")
_first, _second = operator.itemgetter(0), operator.itemgetter(1)


def _v2_leaves(
    strata: dict[str, list[tuple[str, str]]], records: dict[str, ObjectRecord]
) -> list[bytes] | None:
    """The sorted v2 leaves (:func:`_v2_leaf` of each object, in (id, stratum, kind)
    order) built a stratum at a time, each distinct record's tail once (the directory
    keeps equal records once: 1M objects have ~130,000), the loops in C (issue 15.4).
    None where that shortcut does not hold -- an id, stratum or kind with a character
    that escapes or sorts before a quote, or a member whose kind is not its record's --
    and the caller builds each leaf on its own."""
    leaves: list[bytes] = []
    for key, members in strata.items():
        ids = list(map(_first, members))
        held = list(map(records.__getitem__, ids))
        kinds = list(map(_second, members))
        if kinds != list(map(_first, held)):
            return None
        if _UNSORTED.search("".join([key, *dict.fromkeys(kinds), *ids])) is not None:
            return None
        numbers = list(map(id, held))
        distinct = dict(zip(numbers, held, strict=True))
        tails = {n: _v2_tail(key, r[0], r).encode("utf-8") for n, r in distinct.items()}
        starts = map(b'["'.__add__, map(str.encode, ids))
        leaves += map(bytes.__add__, starts, map(tails.__getitem__, numbers))
    # Each stratum's run is sorted by id: a merge of a few runs. With no id, stratum or
    # kind holding a character below or at the quote, the leaves' byte order is their
    # (id, stratum, kind) order (UTF-8 keeps code point order; equal triples are equal
    # leaves).
    leaves.sort()
    return leaves


@dataclass(frozen=True)
class Snapshot:
    """The eligible objects, (id, kind) per stratum key; the committed inspectors; how
    many objects earlier draws excluded or lowered (R6.3)."""

    strata: dict[str, list[tuple[str, str]]]
    officers: list[Officer]
    excluded: int
    #: Matching v2 (``ledger.draw.algorithm.MATCHING_V2``): the rules named, and the
    #: directory's records, whose 片区, industry and supervisors it reads of the eligible
    #: objects (the whole directory, not a copy of the eligible ones: only they are read).
    matching_rules: str | None = None
    objects: dict[str, ObjectRecord] | None = None
    #: R6.3: the yearly cap and how many objects it kept out (None: no cap in force).
    capped: dict[str, int] | None = None
    #: R5.3: the industries made directed (None: the task does not ask for them).
    concentrated: list[str] | None = None

    def object_leaves(self) -> Iterator[bytes]:
        """The leaves ``[id, stratum, kind]`` of every object, sorted by (id, stratum,
        kind); under matching v2 ``[id, stratum, kind, 片区, industry, supervisors]``."""
        if self.matching_rules == MATCHING_V2 and self.objects is not None:
            # What that matching reads of each object is committed with it.
            records = self.objects
            built = _v2_leaves(self.strata, records)
            if built is not None:
                return iter(built)
            ordered = sorted(
                (ident, key, kind)
                for key, members in self.strata.items()
                for ident, kind in members
            )
            return (_v2_leaf(i, k, t, records[i]) for i, k, t in ordered)
        leaves: list[bytes] = []
        for key, members in self.strata.items():
            leaves += [f'["{ident}","{key}","{kind}"]'.encode() for ident, kind in members]
        joined = b"".join(leaves)
        if _SPECIAL.search(joined) is None and joined.count(b'"') == 6 * len(leaves):
            leaves.sort()  # each stratum is sorted already: a merge of a few runs
            return iter(leaves)
        rows = sorted(
            (ident, key, kind) for key, members in self.strata.items() for ident, kind in members
        )
        return (string_leaf(r) for r in rows)

    def summary(self) -> dict[str, Any]:
        """What the commitment records of the snapshot: counts and roots."""
        with paused_gc():
            return self._summary()

    def _summary(self) -> dict[str, Any]:
        return {
            "objects": {
                "count": sum(len(m) for m in self.strata.values()),
                "root": root(self.object_leaves()),
                "strata": {k: len(v) for k, v in sorted(self.strata.items())},
            },
            "inspectors": {
                "count": len(self.officers),
                "root": root(o.leaf(self.matching_rules) for o in self.officers),
            },
            "excluded": self.excluded,
            **({"yearly_cap": self.capped} if self.capped is not None else {}),
            **(
                {"concentrated_industries": self.concentrated}
                if self.concentrated is not None
                else {}
            ),
        }


def snapshot(world: World, spec: dict[str, Any], params: dict[str, Any]) -> Snapshot:
    """The snapshot of ``world`` for a task, on the inspection date, with the exclusion
    rule and under the draw version (``algorithm``, v1 when absent) that ``params`` (the
    commitment, or what it will hold) names. From ``shuangsui-draw-v3`` the credit
    record the log holds decides the directed stratum too (R5.3, R5.4); under the
    matching the commitment's ``matching_rules`` names (``shuangsui-matching-v2``) an
    object needs a checklist, and the snapshot holds what that matching reads. A
    commitment naming ``credit_rules`` (:data:`~ledger.draw.eligibility.CREDIT_RULES_V1`,
    format 4) draws each object under the class its credit record gives it (R5.1)."""
    on = dt.date.fromisoformat(params["inspection_date"])
    exclusion = params["exclusion"]
    v3 = rules_since(params.get("algorithm", ALGORITHM), ALGORITHM_V3)
    excluded = excluded_by_earlier_draws(world, spec["task"], on, exclusion["days"])
    matching_rules = params.get("matching_rules")
    v2 = matching_rules == MATCHING_V2  # checklists, territory, expertise
    objects = world.directory.objects
    # R6.3 as a v3 commitment states it (``exclusion.checks``): case checks count for the
    # exclusion period too, directed objects are exempt from it (增加抽查频次), and the
    # office's yearly cap keeps objects checked that often out of the draw.
    counts_checks = v3 and bool(exclusion.get("checks"))
    if counts_checks:
        excluded |= checked_within(world, spec["task"], on, exclusion["days"])
    policy = (world.policy or {}) if v3 else {}
    cap = policy.get("yearly_cap")
    capped: set[str] = set()
    if cap:
        counts = checks_this_year(world, spec["task"], on)
        capped = {ident for ident, n in counts.items() if n >= cap}
    directed = spec.get("directed") or {}
    concentrated = None
    if v3 and directed.get("industries"):
        rule = policy.get("concentration")
        concentrated = (
            concentrated_industries(world.directory.objects, world.credit.entries, rule, on)
            if rule
            else []
        )
    with paused_gc():
        strata = strata_for(
            objects,
            spec,
            on=on,
            excluded=excluded,
            exclusion_mode=exclusion["mode"],
            record=world.credit.entries if v3 else None,
            checklists=v2,
            concentrated=frozenset(concentrated or ()),
            capped=capped,
            exempt_directed=counts_checks,
            credit_from_record=v3 and params.get("credit_rules") == CREDIT_RULES_V1,
        )
    officers = officers_for(world, spec, params["inspection_date"])
    return Snapshot(
        strata,
        officers,
        len(excluded),
        matching_rules,
        objects if v2 else None,
        {"cap": cap, "capped": len(capped)} if cap else None,
        concentrated,
    )
