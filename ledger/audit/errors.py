"""The root of the ledger's one exception tree, and the auditor's own errors.

:class:`LedgerError` lives here, not in :mod:`ledger.errors`, because the auditor's
package imports nothing from the rest of ``ledger``; :mod:`ledger.errors` re-exports
it and adds every other class of the tree.

Invariants:

* every error raised on purpose is a :class:`LedgerError`: the API maps the tree once
  to ``application/problem+json`` (``status``, ``code``, the message and the rule's
  id), the CLI once to ``error: <message>`` and exit status 2;
* :class:`NoteError`, :class:`EvidenceError` and :class:`BundleError` are also
  :class:`ValueError` (they were plain ``ValueError`` subclasses first, and callers
  that catch ``ValueError`` keep working); their message is exactly the text they
  were raised with.
"""

from __future__ import annotations


class LedgerError(Exception):
    """Base of every error the ledger raises on purpose."""

    #: HTTP status the API answers with; the CLI exits 2 for all of them.
    status: int = 400
    #: A short, stable, machine-readable name (the problem type's last segment).
    code: str = "ledger-error"

    def __init__(self, message: str, *, rule: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.rule = rule

    def __str__(self) -> str:
        if self.rule:
            return f"{self.message} ({self.rule})"
        return self.message


class NoteError(LedgerError, ValueError):
    """A note, checkpoint or cosignature that is malformed or does not verify."""

    code = "invalid-note"
    status = 422


class EvidenceError(LedgerError, ValueError):
    """Evidence bytes that do not parse as a known scheme."""

    code = "invalid-evidence"
    status = 422


class BundleError(LedgerError, ValueError):
    """A bundle line that is not what the bundle format says; carries where and why."""

    code = "invalid-bundle"
    status = 422

    def __init__(self, position: int, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.position = position
        self.reason = reason
        self.detail = detail


class ReceiptError(LedgerError, ValueError):
    """A receipt file that is not a ``shuangsui-receipt-v1`` receipt (malformed JSON,
    missing or extra fields, bad base64); a receipt that is well formed but no longer
    matches the log is a verification *failure*, not this error."""

    code = "invalid-receipt"
    status = 422
