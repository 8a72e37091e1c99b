"""Notices naming a unit (通报批评) and their rectification (整改) (``notice.*``, R10.2)."""
