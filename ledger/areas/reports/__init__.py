"""Quarterly reports and the annual summary (``report.*``, R10.6)."""
