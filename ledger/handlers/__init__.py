"""Command handlers, one module per area; importing this package registers them all."""

from ledger.handlers import (  # noqa: F401
    directory,
    draws,
    inspections,
    inspectors,
    items,
    keys,
    notes,
    organisations,
    plans,
)
