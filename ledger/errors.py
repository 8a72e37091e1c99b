"""One shallow exception tree for the whole ledger.

Every refusal the ledger makes is a :class:`LedgerError`. The API maps this tree
once to ``application/problem+json`` and the CLI once to a message and an exit
status; nothing else catches broadly. A refusal that follows from a rule of the
source document carries the rule's id (``rule="R7.4"``) so a user can look it up
in SPEC.md.
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


class PermissionDenied(LedgerError):
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


class RuleViolation(LedgerError):
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
