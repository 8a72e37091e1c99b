"""Command handlers, one module per area; importing this package registers them all."""

from ledger.handlers import keys, notes  # noqa: F401
