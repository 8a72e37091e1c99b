"""The object directory (检查对象名录库) (``directory.*``, R4.1)."""
