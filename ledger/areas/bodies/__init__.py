"""Qualified third-party bodies (有资质的机构) and their supervision (``body.*``, R8.1, R8.2)."""
