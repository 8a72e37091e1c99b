"""Signed free-text notes (``note.*``)."""
