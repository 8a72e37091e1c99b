"""The unified social credit code's structure beyond its check character (R4.1, issue 12
part 6): authority and category against the declared kind, the administrative division,
the embedded organisation code's own check character (GB 11714), all zeros."""

from __future__ import annotations

import pytest

from ledger.areas.directory.uscc import (
    make_uscc,
    organisation_check,
    structure_findings,
    uscc_problem,
)
from ledger.i18n import render


def sound(first16: str) -> str:
    """A code whose embedded organisation code carries its own check character."""
    return make_uscc(first16 + organisation_check(first16[8:16]))


def test_r4_1_the_standards_example_is_sound() -> None:
    assert organisation_check("M000100Y") == "4"  # GB 32100's example 91350100M000100Y43
    assert structure_findings("91350100M000100Y43", "enterprise") == ([], [])


@pytest.mark.parametrize(
    ("body", "check"),
    [("00000001", "9"), ("MA000000", "7"), ("MA000004", "X"), ("MA000009", "0")],
)
def test_r4_1_gb_11714_check_characters(body: str, check: str) -> None:
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(
        (int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, weights, strict=True)
    )
    expected = {10: "X", 11: "0"}.get(11 - total % 11, str(11 - total % 11))
    assert organisation_check(body) == expected == check


def test_r4_1_all_zeros_passes_the_check_character_but_is_refused() -> None:
    code = "000000000000000000"
    assert uscc_problem(code) is None  # the check character alone lets it through
    errors, _ = structure_findings(code, "enterprise")
    assert errors and "all zeros" in errors[0]


@pytest.mark.parametrize(
    ("first16", "kind", "error"),
    [
        ("B1512021MA000000", "enterprise", "registration authority 'B'"),
        ("9199AB21MA000000", "enterprise", "not six digits"),
        ("91992021MA000000", "enterprise", "99 is no province"),
        ("9151202100000000", "enterprise", "all-zero organisation code"),
    ],
)
def test_r4_1_structural_errors(first16: str, kind: str, error: str) -> None:
    errors, _ = structure_findings(sound(first16), kind)
    assert any(error in e for e in errors), errors


def test_r4_1_a_wrong_organisation_check_character_is_an_error() -> None:
    code = make_uscc("91512021MA0000001")  # MA000000's check character is 7, not 1
    errors, warnings = structure_findings(code, "enterprise")
    assert (
        errors
        == [
            "embeds organisation code MA0000001 whose check character should be 7, not 1 (GB 11714)"
        ]
        and warnings == []
    )
    # the structure's texts have their Chinese (issue 12 §7), from the catalogue
    assert (
        render(errors[0], "zh")
        == "内嵌的组织机构代码 MA0000001 校验位应为 7，而非 1（GB 11714 主体标识码校验位）"
    )


@pytest.mark.parametrize(
    ("first16", "kind", "warning"),
    [
        ("92512021MA000000", "enterprise", "a 92... code, individual (个体工商户)"),
        ("91512021MA000000", "cooperative", "a 91... code, enterprise (企业)"),
        ("95512021MA000000", "individual", "no market-entity category"),
        ("52512021MA000000", "enterprise", "registered by 民政 (5)"),
    ],
)
def test_r4_1_a_code_of_another_kind_is_a_warning(first16: str, kind: str, warning: str) -> None:
    errors, warnings = structure_findings(sound(first16), kind)
    assert errors == [] and len(warnings) == 1 and warning in warnings[0]


@pytest.mark.parametrize(
    ("first16", "kind"),
    [
        ("91512021MA000000", "enterprise"),
        ("92512021MA000000", "individual"),
        ("93512021MA000000", "cooperative"),
        ("91100000MA000000", "enterprise"),  # registered at national level
    ],
)
def test_r4_1_sound_codes_of_their_own_kind_pass(first16: str, kind: str) -> None:
    assert structure_findings(sound(first16), kind) == ([], [])
