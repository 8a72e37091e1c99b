"""Inspections (检查) (``inspection.*``, R8, R1.1)."""
