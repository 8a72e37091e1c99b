"""Unified social credit codes (GB 32100-2015): published codes, each kind of mistake, laws."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.areas.directory.uscc import ALPHABET, WEIGHTS, check_character, make_uscc, uscc_problem
from ledger.errors import ValidationError

# Codes published with the check algorithm, each checked by someone else's implementation:
PUBLISHED = [
    # GB 32100-2015's worked example (weighted sum 1640, 1640 mod 31 = 28, 31 - 28 = 3),
    # also the test value of hutool's CreditCodeUtil and many validators.
    "91350100M000100Y43",
    # hutool (dromara/hutool) CreditCodeUtilTest.isCreditCode
    "91310110666007217T",
    # hutool CreditCodeUtilTest.isCreditCodeBySimple
    "91310115591693856A",
    # Test values of other open-source validators (Java and JavaScript)
    "91110000802100433B",
    "91440300708461136T",
    "91110108551385082Q",
    "914403001922038216",
    "11330283002982634F",  # a government body (登记管理部门 1)
    "51100000500019541K",  # a social organisation (登记管理部门 5)
    "92510100MA61WJ3204",  # an individual business in Sichuan (92 5101..)
]
# Check value 31 is written "0": the weighted sum of the first 17 is a multiple of 31.
CHECK_VALUE_31 = "52440111MJK9980480"


@pytest.mark.parametrize("code", [*PUBLISHED, CHECK_VALUE_31])
def test_published_codes_are_valid(code: str) -> None:
    assert uscc_problem(code) is None
    assert check_character(code[:17]) == code[17]
    assert make_uscc(code[:17]) == code


def test_weights_are_powers_of_three() -> None:
    assert WEIGHTS == tuple(pow(3, i, 31) for i in range(17))
    assert len(ALPHABET) == 31 and not set(ALPHABET) & set("IOZSV")


def test_worked_example_of_the_standard() -> None:
    first17 = "91350100M000100Y4"
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    assert total == 1640 and total % 31 == 28
    assert check_character(first17) == "3"
    # The standard's example of a bad code: Z is not even in the alphabet.
    assert uscc_problem("91350100M000100Y4Z") == (
        "contains Z at position 18; I, O, Z, S and V are not used in codes; "
        "the check character should be 3"
    )


def test_check_value_31_is_written_zero() -> None:
    first17 = CHECK_VALUE_31[:17]
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    assert total % 31 == 0  # so 31 - 0 = 31, written "0"
    assert check_character(first17) == "0"
    assert uscc_problem(first17 + "Y") == "check character should be 0, not Y"


def test_early_pilot_code_that_breaks_the_check_is_refused() -> None:
    # Xiamen issued codes before the standard; hutool also refuses this one.
    assert uscc_problem("91350211M00013FA1N") == "check character should be 3, not N"


def test_wrong_check_character() -> None:
    assert uscc_problem("91350100M000100Y44") == "check character should be 3, not 4"


def test_lower_case_is_refused_not_normalised() -> None:
    assert uscc_problem("91350100m000100y43") == "is lower case; codes are upper case"
    assert uscc_problem("91310110666007217t") == (
        "is lower case; codes are upper case; the check character should be T"
    )


@pytest.mark.parametrize(
    ("code", "length"), [("91350100M000100Y4", 17), ("91350100M000100Y433", 19), ("", 0)]
)
def test_wrong_length(code: str, length: int) -> None:
    assert uscc_problem(code) == f"must be 18 characters, got {length}"


@pytest.mark.parametrize("letter", "IOZSV")
def test_each_excluded_letter(letter: str) -> None:
    code = "91350100" + letter + "000100Y43"
    assert uscc_problem(code) == (
        f"contains {letter} at position 9; I, O, Z, S and V are not used in codes"
    )


@pytest.mark.parametrize("character", ["-", " ", "Ａ", "é"])
def test_characters_outside_the_alphabet(character: str) -> None:
    problem = uscc_problem("9135" + character + "100M000100Y43")
    assert problem is not None and problem.startswith(f"contains {character!r} at position 5")


def test_check_character_needs_17_code_characters() -> None:
    with pytest.raises(ValidationError, match="17 characters, got 18"):
        check_character("91350100M000100Y43")
    with pytest.raises(ValidationError, match="lower case"):
        check_character("91350100m000100Y4")


prefixes = st.text(alphabet=ALPHABET, min_size=17, max_size=17)


@given(prefixes)
def test_made_codes_are_valid(first17: str) -> None:
    assert uscc_problem(make_uscc(first17)) is None


@given(prefixes, st.integers(0, 17), st.sampled_from(ALPHABET + "IOZSVa-"))
def test_any_single_change_is_caught(first17: str, position: int, replacement: str) -> None:
    # Weights are powers of 3 modulo the prime 31, all non-zero: changing one character
    # always changes the weighted sum modulo 31, so the check character no longer fits.
    code = make_uscc(first17)
    changed = code[:position] + replacement + code[position + 1 :]
    if changed != code:
        assert uscc_problem(changed) is not None
