"""The unified social credit code (统一社会信用代码), GB 32100-2015 (SPEC R4.1).

Every market entity of the object directory (企业, 个体工商户, 农民专业合作社) is
identified by an 18-character code::

    9 1 350100 M000100Y4 3
    | | |      |         `-- 18: check character (校验码)
    | | |      `------------ 9-17: entity identifier (主体标识码, the old organisation code)
    | | `------------------- 3-8: administrative division of the registering authority
    | `--------------------- 2: kind of organisation (1 enterprise, 2 individual business,
    |                           3 farmer co-operative, for the market regulator)
    `----------------------- 1: registering authority (9 = market regulation 工商)

The alphabet is the 31 characters ``0123456789ABCDEFGHJKLMNPQRTUWXY`` (digits and upper
case letters without I, O, Z, S and V, which are too easily misread), valued 0..30 in
that order. Position i (1..17) is weighted ``3**(i-1) mod 31``; the check value is
``31 - (sum of value * weight) mod 31``, and a check value of 31 is written ``0``.

The standard's own worked example: for ``91350100M000100Y4`` the weighted sum is 1640,
``1640 mod 31 = 28``, the check value is ``31 - 28 = 3``, so ``91350100M000100Y43`` is
valid and ``91350100M000100Y4Z`` is not.

Invariants:

* :func:`uscc_problem` accepts exactly the 18-character strings over the alphabet whose
  last character is :func:`check_character` of the first 17; it never normalises input
  (a lower-case code is refused, not upper-cased, so the stored id is what the user
  typed).
* :func:`make_uscc` of any valid 17-character prefix passes :func:`uscc_problem`.

Some codes issued by early pilot regions (for example Xiamen before the standard, such
as ``91350211M00013FA1N``) do not satisfy the check; they are refused here like any other
bad code.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence
from itertools import repeat

from ledger.errors import ValidationError
from ledger.i18n import _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: Weights of positions 1..17: ``3**(i-1) mod 31``.
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18

_VALUE = {character: value for value, character in enumerate(ALPHABET)}
_EXCLUDED = frozenset("IOZSV")
_CODE_CHARACTERS = re.compile(r"[0-9A-HJ-NPQRTUWXY]*")
# Per position, character -> value * weight: the weighted sum is then one C-level map
# (directory files check a code per row, hundreds of thousands per import).
_WEIGHTED = tuple({c: v * weight for c, v in _VALUE.items()} for weight in WEIGHTS)


def _weighted_sum(first17: str) -> int:
    return sum(map(operator.getitem, _WEIGHTED, first17))


def _character_problem(text: str) -> str | None:
    """Why ``text`` is not made of code characters, or None."""
    if _CODE_CHARACTERS.fullmatch(text):
        return None
    for position, character in enumerate(text, start=1):
        if character in _VALUE:
            continue
        if character.isascii() and character.islower() and character.upper() in _VALUE:
            return _("is lower case; codes are upper case")
        if character in _EXCLUDED:
            return _(
                "contains {character} at position {position}; I, O, Z, S and V are not "
                "used in codes",
                character=character,
                position=position,
            )
        return _(
            "contains {character!r} at position {position}, which is outside the code "
            "alphabet (digits and A-Y without I, O, Z, S, V)",
            character=character,
            position=position,
        )
    return None


def check_character(first17: str) -> str:
    """The check character (校验码) for the first 17 characters of a code.

    Raises :class:`ValidationError` if ``first17`` is not 17 code characters.
    """
    if len(first17) != LENGTH - 1:
        raise ValidationError(
            _("a code prefix must be 17 characters, got {count}", count=len(first17))
        )
    problem = _character_problem(first17)
    if problem is not None:
        raise ValidationError(
            _("code prefix {first17!r} {problem}", first17=first17, problem=problem)
        )
    check_value = 31 - _weighted_sum(first17) % 31
    # The standard writes check value 31 as "0" (value 0): MOD(31, 31) = 0.
    return ALPHABET[check_value % 31]


def make_uscc(first17: str) -> str:
    """``first17`` followed by its check character (for tests and data generators)."""
    return first17 + check_character(first17)


def uscc_problem(code: str) -> str | None:
    """None if ``code`` is a valid unified social credit code, else a short reason.

    The reason is a predicate for the code, e.g. ``"must be 18 characters, got 17"``
    or ``"check character should be 3, not 4"``, so callers can write
    ``f"{code!r} {reason}"``.
    """
    if len(code) != LENGTH:
        return _("must be 18 characters, got {length}", length=len(code))
    problem = _character_problem(code)
    if problem is not None:
        if _character_problem(code[:17]) is None:
            # Only the last character is foreign: say what it should be, too.
            return _(
                "{problem}; the check character should be {expected}",
                problem=problem,
                expected=check_character(code[:17]),
            )
        return problem
    # Every character is a code character (checked above): the check value directly.
    expected = ALPHABET[(31 - _weighted_sum(code[:17]) % 31) % 31]
    if code[17] != expected:
        return _(
            "check character should be {expected}, not {found}", expected=expected, found=code[17]
        )
    return None


# -- the code's structure (R4 data quality; format 2) ------------------------------------------

#: Position 1, the registration authority (登记管理部门代码), as GB 32100-2015 assigns them.
AUTHORITIES = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "市场监管（工商）",
    "A": "中央军委改革和编制办公室",
    "N": "农业",
    "Y": "其他",
}
#: Position 2 under the market regulator (9): the kind of market entity it registered.
MARKET_CATEGORIES = {"1": "enterprise", "2": "individual", "3": "cooperative"}
KIND_NAMES = {"enterprise": "企业", "individual": "个体工商户", "cooperative": "农民专业合作社"}
#: The provinces' two-digit codes (GB/T 2260), and "10" for registrations at national level.
PROVINCES = frozenset(
    "10 11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65 71 81 82".split()
)
_ZEROS = "0" * LENGTH
#: GB 11714's weights for the organisation code's eight body characters.
ORGANISATION_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


_ORGANISATION_VALUES = {c: int(c) for c in "0123456789"} | {
    chr(code): code - 55 for code in range(ord("A"), ord("Z") + 1)
}
# Per position, character -> value * weight, as for the USCC's own check character: one
# C-level map per code instead of a Python loop (an import checks each code twice).
_ORGANISATION_WEIGHTED = tuple(
    {c: v * w for c, v in _ORGANISATION_VALUES.items()} for w in ORGANISATION_WEIGHTS
)
_CHECK_WRITTEN = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "X", "0")


def organisation_check(body8: str) -> str:
    """GB 11714's check character of an organisation code's eight body characters (the
    USCC's positions 9-16): ``11 - (sum of value * weight) mod 11``, 10 written ``X``
    and 11 written ``0``; a digit is worth itself, a letter A-Z 10-35."""
    if len(body8) != len(ORGANISATION_WEIGHTS):
        raise ValueError(f"an organisation code body has 8 characters, not {len(body8)}")
    try:
        total = sum(map(operator.getitem, _ORGANISATION_WEIGHTED, body8))
    except KeyError:  # not a digit or A-Z: the arithmetic the standard gives, unchecked
        total = sum(
            (int(c) if c.isdigit() else ord(c) - 55) * w
            for c, w in zip(body8, ORGANISATION_WEIGHTS, strict=True)
        )
    return _CHECK_WRITTEN[11 - total % 11]


Findings = tuple[tuple[str, ...], tuple[str, ...]]
# The latest (code, kind, findings): an import asks about each code twice in a row (the
# row's errors, then its warnings), so the second answer is the first one kept.
_latest: tuple[str, str, Findings] = ("", "", ((), ()))


def structure_findings(code: str, kind: str) -> tuple[list[str], list[str]]:
    """(errors, warnings) about a valid code's structure (R4.1), beyond its check
    character, for an object filed as ``kind``; each a predicate for the code.

    Errors: an all-zero code; a registration authority GB 32100 does not assign; an
    administrative division that is not six digits of a province (GB/T 2260); an
    embedded organisation code whose own check character (GB 11714) is wrong.
    Warnings, which an importer must confirm: a code of another authority or another
    category than the declared kind (a 92... code is an individual business's, not an
    enterprise's).
    """
    global _latest
    latest = _latest  # one read: another thread may replace it meanwhile
    if latest[0] == code and latest[1] == kind:
        found = latest[2]
    else:
        found = _structure_findings(code, kind)
        _latest = (code, kind, found)
    return list(found[0]), list(found[1])  # the caller's own lists


def _structure_findings(code: str, kind: str) -> Findings:
    errors: list[str] = []
    warnings: list[str] = []
    if code[:17] == _ZEROS[:17]:
        return (_("is all zeros: no authority issues it"),), ()
    authority, category, division, organisation = code[0], code[1], code[2:8], code[8:17]
    if authority not in AUTHORITIES:
        errors.append(
            _(
                "has registration authority {authority!r}, which GB 32100 does not assign",
                authority=authority,
            )
        )
    if not (division.isascii() and division.isdigit()):
        errors.append(
            _("has administrative division {division!r}, not six digits", division=division)
        )
    elif division[:2] not in PROVINCES:
        errors.append(
            _(
                "has administrative division {division}: {province} is no province (GB/T 2260)",
                division=division,
                province=division[:2],
            )
        )
    if organisation[:8] == _ZEROS[:8]:
        errors.append(_("embeds an all-zero organisation code"))
    elif organisation[8] != (expected := organisation_check(organisation[:8])):
        errors.append(
            _(
                "embeds organisation code {organisation} whose check character should be "
                "{expected}, not {found} (GB 11714)",
                organisation=organisation,
                expected=expected,
                found=organisation[8],
            )
        )
    if kind in KIND_NAMES:
        declared = f"{kind} ({KIND_NAMES[kind]})"
        if authority != "9":
            warnings.append(
                _(
                    "was registered by {authority} ({code}), not by the market "
                    "regulator (9), but is filed as {declared}",
                    authority=AUTHORITIES.get(authority, authority),
                    code=authority,
                    declared=declared,
                )
            )
        elif MARKET_CATEGORIES.get(category) != kind:
            found = MARKET_CATEGORIES.get(category)
            named = f"{found} ({KIND_NAMES[found]})" if found else _("no market-entity category")
            warnings.append(
                _(
                    "is a 9{category}... code, {named}, but is filed as {declared}",
                    category=category,
                    named=named,
                    declared=declared,
                )
            )
    return tuple(errors), tuple(warnings)


# -- whole columns of codes at once (an import checks a batch of 1,000 codes at a time) --------

# A column of codes is checked with whole-number arithmetic on all of them at once: each
# character becomes the character whose number is its value; the values at one position
# of every code, read as UTF-16, are the 16-bit digits of one big number; the weighted sum
# of those numbers holds each code's weighted sum in its own digit (none reaches 2**16, so
# no digit carries into the next), read back as UTF-16 and mapped to the check character
# each asks for. A few C-level calls per position instead of a Python loop per code.
_AS_VALUE = str.maketrans({c: chr(v) for c, v in _VALUE.items()})
_AS_ORGANISATION_VALUE = str.maketrans({c: chr(v) for c, v in _ORGANISATION_VALUES.items()})
#: Weighted sum -> the check character it asks for (USCC, and GB 11714's), as ``translate`` takes.
_CHECK_OF_SUM = {total: ALPHABET[(31 - total % 31) % 31] for total in range(30 * sum(WEIGHTS) + 1)}
_ORGANISATION_CHECK_OF_SUM = {
    total: _CHECK_WRITTEN[11 - total % 11] for total in range(35 * sum(ORGANISATION_WEIGHTS) + 1)
}
_AUTHORITY_SET = frozenset(AUTHORITIES)
_PROVINCE = slice(2, 4)
_ORGANISATION_BODY = slice(8, 16)
_PREFIX = slice(0, 2)
#: The first two characters of a market entity's code -> its kind (market regulator, 9):
#: a sound code filed as that kind has no warning.
KIND_OF_PREFIX = {f"9{category}": kind for category, kind in MARKET_CATEGORIES.items()}


def _weighted_sums(values: str, count: int, first: int, weights: tuple[int, ...]) -> str:
    """Each of ``count`` codes' weighted sum of the values from position ``first`` on,
    as the character of that number (``values``: the codes' values, one after another)."""
    total = 0
    for offset, weight in enumerate(weights):
        digits = values[first + offset :: LENGTH].encode("utf-16-le")
        total += weight * int.from_bytes(digits, "little")
    return total.to_bytes(2 * count, "little").decode("utf-16-le")


def codes_sound(codes: Sequence[str]) -> bool:
    """True only if every code passes :func:`uscc_problem` and has no structure error
    (:func:`structure_findings`' first list is empty); False says nothing about any one
    code: ask those functions code by code then. Column-wise, for whole batches."""
    if not codes:
        return True
    if set(map(type, codes)) != {str} or set(map(len, codes)) != {LENGTH}:
        return False
    joined = "".join(codes)
    if not _CODE_CHARACTERS.fullmatch(joined):
        return False
    count = len(codes)
    sums = _weighted_sums(joined.translate(_AS_VALUE), count, 0, WEIGHTS)
    if sums.translate(_CHECK_OF_SUM) != joined[17::LENGTH]:
        return False
    if not set(joined[::LENGTH]) <= _AUTHORITY_SET:  # an all-zero code fails here too
        return False
    divisions = "".join(joined[at::LENGTH] for at in range(2, 8))
    if not (divisions.isascii() and divisions.isdigit()):
        return False
    if not set(map(operator.getitem, codes, repeat(_PROVINCE))) <= PROVINCES:
        return False
    if _ZEROS[:8] in set(map(operator.getitem, codes, repeat(_ORGANISATION_BODY))):
        return False
    values = joined.translate(_AS_ORGANISATION_VALUE)
    sums = _weighted_sums(values, count, 8, ORGANISATION_WEIGHTS)
    return sums.translate(_ORGANISATION_CHECK_OF_SUM) == joined[16::LENGTH]


def kinds_match(codes: Sequence[str], kinds: Sequence[str]) -> bool:
    """True only if no code gets a warning from :func:`structure_findings` for its kind
    (each a market entity's kind, each code sound): the market regulator's code of that
    category. False says nothing about any one code."""
    prefixes = map(str.__getitem__, codes, repeat(_PREFIX))
    return list(map(KIND_OF_PREFIX.get, prefixes)) == list(kinds)
