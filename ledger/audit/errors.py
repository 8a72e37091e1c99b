"""The auditor's errors: malformed or unverifiable notes, evidence and bundles.

Invariant: each is a :class:`ValueError` whose message is exactly the text it was
raised with.
"""

from __future__ import annotations


class NoteError(ValueError):
    """A note, checkpoint or cosignature that is malformed or does not verify."""


class EvidenceError(ValueError):
    """Evidence bytes that do not parse as a known scheme."""


class BundleError(ValueError):
    """A bundle line that is not what the bundle format says; carries where and why."""

    def __init__(self, position: int, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.position = position
        self.reason = reason
        self.detail = detail
