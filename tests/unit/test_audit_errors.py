"""One exception tree: the auditor's errors are LedgerErrors and stay ValueErrors."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import ledger.errors
from ledger.audit import errors
from ledger.audit.notes import b64strict, parse_note

AUDIT_ERRORS = [errors.NoteError, errors.EvidenceError, errors.BundleError]
AUDIT = Path(__file__).resolve().parents[2] / "ledger" / "audit"


@pytest.mark.parametrize("cls", AUDIT_ERRORS)
def test_each_audit_error_is_a_ledger_error_and_a_value_error(cls: type[Exception]) -> None:
    assert issubclass(cls, errors.LedgerError)
    assert issubclass(cls, ValueError)
    assert cls.__name__.endswith("Error")


@pytest.mark.parametrize("cls", AUDIT_ERRORS)
def test_malformed_input_is_422_with_a_stable_code(cls: type[errors.LedgerError]) -> None:
    assert cls.status == 422
    assert cls.code.startswith("invalid-")
    assert len({c.code for c in AUDIT_ERRORS}) == len(AUDIT_ERRORS)


def test_ledger_errors_names_the_same_classes() -> None:
    assert ledger.errors.LedgerError is errors.LedgerError
    assert ledger.errors.NoteError is errors.NoteError
    assert ledger.errors.EvidenceError is errors.EvidenceError
    assert ledger.errors.BundleError is errors.BundleError
    assert issubclass(ledger.errors.ValidationError, errors.LedgerError)


def test_messages_are_kept_as_raised() -> None:
    with pytest.raises(errors.NoteError) as caught:
        b64strict("not base64!", "checkpoint root")
    assert str(caught.value) == caught.value.message == "checkpoint root is not base64"
    assert caught.value.rule is None
    with pytest.raises(ValueError, match="no blank line"):
        parse_note("no signatures\n")
    bundle = errors.BundleError(7, "malformed bundle", "line is not JSON")
    assert (bundle.position, bundle.reason, str(bundle)) == (
        7,
        "malformed bundle",
        "line is not JSON",
    )


def test_the_audit_package_imports_only_the_standard_library_and_pynacl() -> None:
    for path in AUDIT.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert (
                    name.startswith("ledger.audit")
                    or top == "nacl"
                    or top in sys.stdlib_module_names
                ), f"{path.name} imports {name}"
