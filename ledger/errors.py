"""One shallow exception tree for the whole ledger.

Every refusal the ledger makes is a :class:`LedgerError`. The API maps this tree
once to ``application/problem+json`` and the CLI once to a message and an exit
status; nothing else catches broadly. A refusal that follows from a rule of the
source document carries the rule's id (``rule="R7.4"``) so a user can look it up
in SPEC.md.

The root, :class:`LedgerError`, is defined in :mod:`ledger.audit.errors` (the
auditor's package imports nothing from the rest of ``ledger``) with the auditor's
``NoteError``, ``EvidenceError`` and ``BundleError`` (each also a ``ValueError``);
all four are re-exported here, so ``from ledger.errors import ...`` names the whole
tree.
"""

from __future__ import annotations

from ledger.audit.errors import BundleError, EvidenceError, LedgerError, NoteError

__all__ = [
    "AuthorisationError",
    "BundleError",
    "ConfigurationError",
    "ConflictError",
    "EvidenceError",
    "KeyFileError",
    "KeyNotValidError",
    "LedgerError",
    "NotFoundError",
    "NoteError",
    "PermissionDeniedError",
    "ReplayError",
    "RuleViolationError",
    "StorageError",
    "ValidationError",
]


class ConfigurationError(LedgerError):
    """Bad settings: an unknown database URL scheme, a missing home, ..."""

    code = "configuration"
    status = 500


class StorageError(LedgerError):
    """The database could not be reached or refused an operation."""

    code = "storage"
    status = 503


class KeyFileError(LedgerError):
    """A key file is missing, malformed, or its passphrase is wrong."""

    code = "key-file"


class AuthorisationError(LedgerError):
    """A command's evidence does not prove who asked for it."""

    code = "unauthenticated"
    status = 401


class ReplayError(AuthorisationError):
    """A command reuses a nonce its key already used."""

    code = "replayed-nonce"


class KeyNotValidError(AuthorisationError):
    """The key is unknown, was revoked, or was rotated away."""

    code = "key-not-valid"
    status = 403


class PermissionDeniedError(LedgerError):
    """The key is valid but its holder may not do this."""

    code = "forbidden"
    status = 403


class NotFoundError(LedgerError):
    """A stream, key, list, task ... that does not exist."""

    code = "not-found"
    status = 404


class ConflictError(LedgerError):
    """The state changed under the command (a concurrent writer, a duplicate)."""

    code = "conflict"
    status = 409


class RuleViolationError(LedgerError):
    """A domain rule of the source document refuses the command."""

    code = "rule-violation"
    status = 422


class ValidationError(LedgerError):
    """Malformed input; ``errors`` maps each bad field (or row) to its reasons."""

    code = "invalid-input"
    status = 422

    def __init__(
        self,
        message: str,
        errors: dict[str, list[str]] | None = None,
        *,
        rule: str | None = None,
    ) -> None:
        super().__init__(message, rule=rule)
        self.errors = errors or {}
