"""Settled duty reviews (``review.*``, R10.4)."""
